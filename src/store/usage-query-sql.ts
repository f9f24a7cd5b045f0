import type { UsageDimension, UsageGroup, UsageQuery } from "./usage-record.js";

/** A parameterised statement for either SQL store. */
export interface SqlStatement {
  readonly text: string;
  readonly values: (string | number)[];
}

const DIMENSION_COLUMNS: Record<UsageDimension, { readonly expression: string; readonly alias: string }> = {
  key: { expression: "key_id", alias: "key_id" },
  route: { expression: "route", alias: "route" },
  // AdminService names deployments "<endpoint>/<deployment>"; a request that reached none has "".
  deployment: {
    expression: "CASE WHEN deployment = '' THEN '' ELSE endpoint || '/' || deployment END",
    alias: "deployment_id",
  },
  model: { expression: "model", alias: "model" },
};

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The GetUsage aggregate in SQL both SQLite and PostgreSQL run unchanged; only the placeholder
 * syntax differs. Groups and orders by column position so expressions are written once.
 */
export function usageQuerySql(query: UsageQuery, placeholder: (index: number) => string): SqlStatement {
  const values: (string | number)[] = [];
  const bind = (value: string | number): string => {
    values.push(value);
    return placeholder(values.length);
  };
  const where: string[] = [];
  const filter = (expression: string, list: readonly string[]): void => {
    if (list.length > 0) where.push(`${expression} IN (${list.map(bind).join(", ")})`);
  };
  filter(DIMENSION_COLUMNS.key.expression, query.keyIds);
  filter(DIMENSION_COLUMNS.route.expression, query.routes);
  filter(DIMENSION_COLUMNS.deployment.expression, query.deployments);
  filter(DIMENSION_COLUMNS.model.expression, query.models);
  if (query.startMs !== undefined) where.push(`started_at_ms >= ${bind(query.startMs)}`);
  if (query.endMs !== undefined) where.push(`started_at_ms < ${bind(query.endMs)}`);

  const groups: string[] = [];
  if (query.bucket !== undefined) {
    const size = BUCKET_MS[query.bucket];
    groups.push(`(started_at_ms / ${size}) * ${size} AS bucket_start`);
  }
  for (const dimension of uniqueDimensions(query.groupBy)) {
    const { expression, alias } = DIMENSION_COLUMNS[dimension];
    groups.push(`${expression} AS ${alias}`);
  }
  const positions = groups.map((_, index) => String(index + 1)).join(", ");
  const text = [
    `SELECT ${[
      ...groups,
      "COUNT(*) AS requests",
      "COALESCE(SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END), 0) AS failed_requests",
      "COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens",
      "COALESCE(SUM(cached_tokens), 0) AS cached_tokens",
      "COALESCE(SUM(completion_tokens), 0) AS completion_tokens",
      "COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens",
      "COALESCE(SUM(cost_nano_usd), 0) AS cost_nano_usd",
    ].join(", ")}`,
    "FROM usage_records",
    where.length > 0 ? `WHERE ${where.join(" AND ")}` : "",
    groups.length > 0 ? `GROUP BY ${positions} ORDER BY ${positions}` : "",
  ].join(" ");
  return { text, values };
}

/**
 * Reads one result row. SQLite (with safe integers) gives bigints and PostgreSQL gives int8 and
 * numeric as strings; both convert exactly.
 */
export function usageGroupFromRow(row: Record<string, unknown>, query: UsageQuery): UsageGroup {
  const dimensions = new Set(query.groupBy);
  return {
    ...(dimensions.has("key") && { keyId: String(row.key_id) }),
    ...(dimensions.has("route") && { route: String(row.route) }),
    ...(dimensions.has("deployment") && { deployment: String(row.deployment_id) }),
    ...(dimensions.has("model") && { model: String(row.model) }),
    ...(query.bucket !== undefined && { bucketStartMs: Number(row.bucket_start) }),
    totals: {
      requests: exact(row.requests),
      failedRequests: exact(row.failed_requests),
      promptTokens: exact(row.prompt_tokens),
      cachedTokens: exact(row.cached_tokens),
      completionTokens: exact(row.completion_tokens),
      reasoningTokens: exact(row.reasoning_tokens),
      costNanoUsd: exact(row.cost_nano_usd),
    },
  };
}

function uniqueDimensions(dimensions: readonly UsageDimension[]): UsageDimension[] {
  return [...new Set(dimensions)];
}

function exact(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error(`A usage total came back as ${typeof value} ${String(value)}, not an integer.`);
}
