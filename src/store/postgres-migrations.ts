import type { PoolClient } from "pg";
import type { Migration } from "./migrations.js";

/**
 * Brings the schema in the connection's search_path up to the newest migration, in one
 * transaction under an advisory lock named after that schema: replicas starting together wait for
 * each other, and each migration is applied exactly once.
 */
export async function runPostgresMigrations(
  client: PoolClient,
  migrations: readonly Migration[],
  clock: () => number,
): Promise<void> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newestKnown = sorted.at(-1)?.version ?? 0;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('tensorwall:' || coalesce(current_schema(), '')))");
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        applied_at_ms BIGINT NOT NULL
      )
    `);
    const applied = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const appliedVersions = new Set(applied.rows.map((row) => row.version));
    const newestApplied = Math.max(0, ...appliedVersions);
    // A newer build may have changed tables in ways this one would misread.
    if (newestApplied > newestKnown) {
      throw new Error(
        `The database schema is at version ${newestApplied}, newer than this TensorWall build knows (${newestKnown}). Upgrade TensorWall or point it at another database.`,
      );
    }
    for (const migration of sorted) {
      if (appliedVersions.has(migration.version)) continue;
      await client.query(migration.postgres);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        clock(),
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
