import type { ClickHouseClient } from '@clickhouse/client';
import { identifier, sql } from '../sql/sql';

/**
 * One step of the store's schema. ClickHouse has no transactions, so a step is a list of
 * statements that are each safe to run again (`CREATE TABLE IF NOT EXISTS`, …): a migration
 * cut off half-way is simply run again, and two processes starting at once both succeed.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export interface MigrationResult {
  applied: Migration[];
  alreadyApplied: number[];
}

export const MIGRATIONS_TABLE = 'schema_migrations';

/** Checks that versions are positive, unique and ascending: a typo here must not reach a server. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1)
      throw new Error(`migration "${m.name}": version must be a positive integer`);
    if (i > 0 && m.version <= migrations[i - 1].version)
      throw new Error(
        `migration ${m.version} "${m.name}" must come after ${migrations[i - 1].version} (versions ascend, each once)`,
      );
    if (m.statements.length === 0) throw new Error(`migration ${m.version} has no statements`);
  });
}

/**
 * Brings the client's database up to the newest migration: reads which versions are recorded
 * in `schema_migrations`, runs the others in order, and records each after its statements.
 */
export async function migrate(
  client: ClickHouseClient,
  migrations: readonly Migration[],
): Promise<MigrationResult> {
  checkMigrations(migrations);
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      version UInt32,
      name String,
      applied_at DateTime('UTC')
    ) ENGINE = ReplacingMergeTree() ORDER BY version`,
  });
  const done = new Set(await appliedVersions(client));
  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await client.command({ query: statement });
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    await client.command({
      query:
        sql`INSERT INTO ${identifier(MIGRATIONS_TABLE)} (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${now})`
          .text,
    });
    applied.push(migration);
  }
  return {
    applied,
    alreadyApplied: migrations.filter((m) => done.has(m.version)).map((m) => m.version),
  };
}

/** Versions recorded as applied, ascending (each once, whatever merges have happened). */
export async function appliedVersions(client: ClickHouseClient): Promise<number[]> {
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${MIGRATIONS_TABLE} ORDER BY version`,
    format: 'JSONEachRow',
  });
  return (await result.json<{ version: number | string }>()).map((r) => Number(r.version));
}
