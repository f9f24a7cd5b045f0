import type Database from "better-sqlite3";
import type { Migration } from "./migrations.js";

/**
 * Brings the database up to the newest migration. Each migration runs in its own IMMEDIATE
 * transaction that re-reads the applied versions first, so two processes opening the same file at
 * once apply each migration exactly once.
 */
export function runSqliteMigrations(
  db: Database.Database,
  migrations: readonly Migration[],
  clock: () => number,
): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      applied_at_ms INTEGER NOT NULL
    )
  `);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newestKnown = sorted.at(-1)?.version ?? 0;
  const newestApplied = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as {
    v: number | null;
  };
  // A newer build may have changed tables in ways this one would misread.
  if ((newestApplied.v ?? 0) > newestKnown) {
    throw new Error(
      `The database schema is at version ${newestApplied.v}, newer than this TensorWall build knows (${newestKnown}). Upgrade TensorWall or point it at another database.`,
    );
  }
  const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").pluck();
  const record = db.prepare(
    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
  );
  for (const migration of sorted) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, clock());
    });
    apply.immediate();
  }
}
