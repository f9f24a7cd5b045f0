/** One request as the usage ledger keeps it. */
export interface UsageRecord {
  /** Unique per request; writing the same record twice stores it once. */
  readonly requestId: string;
  /** When the gateway received the request, in milliseconds since the epoch. */
  readonly startedAtMs: number;
  readonly keyId: string;
  /** The route the request resolved to, or the model name the caller sent when it resolved to none. */
  readonly route: string;
  /** The configured endpoint's name; empty when no deployment was tried. */
  readonly endpoint: string;
  /** The Azure deployment that answered (or was tried last); empty when none was tried. */
  readonly deployment: string;
  readonly region: string;
  /** The deployment's underlying model, which priced the request; empty when none was tried. */
  readonly model: string;
  readonly streamed: boolean;
  /** "ok", or the gateway error code the caller received. */
  readonly status: string;
  readonly promptTokens: number;
  /** Part of promptTokens that Azure served from its prompt cache. */
  readonly cachedTokens: number;
  readonly completionTokens: number;
  /** Part of completionTokens spent on reasoning. */
  readonly reasoningTokens: number;
  /** True when Azure sent no usage (a stream that broke off) and the counts are the gateway's estimate. */
  readonly usageEstimated: boolean;
  /** In billionths of a US dollar. */
  readonly costNanoUsd: bigint;
  readonly latencyMs: number;
  /** Until the first byte of the answer arrived from Azure; undefined when none did. */
  readonly ttfbMs: number | undefined;
  /** Upstream attempts, the last one included; 0 when the request never reached Azure. */
  readonly attempts: number;
}

/** A usage dimension; "deployment" values read "<endpoint>/<deployment>", as AdminService names deployments. */
export type UsageDimension = "key" | "route" | "deployment" | "model";

export type UsageBucket = "hour" | "day";

export interface UsageQuery {
  /** Each filter list matches everything when empty. */
  readonly keyIds: readonly string[];
  readonly routes: readonly string[];
  readonly deployments: readonly string[];
  readonly models: readonly string[];
  /** Inclusive. */
  readonly startMs?: number;
  /** Exclusive. */
  readonly endMs?: number;
  readonly groupBy: readonly UsageDimension[];
  readonly bucket?: UsageBucket;
}

export interface UsageTotals {
  readonly requests: bigint;
  readonly failedRequests: bigint;
  readonly promptTokens: bigint;
  readonly cachedTokens: bigint;
  readonly completionTokens: bigint;
  readonly reasoningTokens: bigint;
  readonly costNanoUsd: bigint;
}

/** One group of a usage query: the grouped dimensions' values (others undefined) and its totals. */
export interface UsageGroup {
  readonly keyId?: string;
  readonly route?: string;
  readonly deployment?: string;
  readonly model?: string;
  readonly bucketStartMs?: number;
  readonly totals: UsageTotals;
}

/** Where the usage ledger is written and read. */
export interface LedgerStore {
  /** Writes all records or none. A record whose requestId is already stored is skipped. */
  insertUsage(records: readonly UsageRecord[]): Promise<void>;
  /**
   * Totals per group, ordered by bucket and then by the grouped dimensions. Without grouping
   * there is exactly one group, zero-valued when nothing matched.
   */
  queryUsage(query: UsageQuery): Promise<UsageGroup[]>;
}
