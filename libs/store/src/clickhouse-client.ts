import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
} from '@clickhouse/client';
import type { ClickHouseConfig } from '@ctxb/config';
import type { SqlFragment } from './sql/sql';

/** A client on the configured database; identifiers come from validated config, never input. */
export function createClickHouse(config: ClickHouseConfig): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    request_timeout: config.requestTimeoutMs,
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** The rows of a query made with `sql` (JSONEachRow: 64-bit integers come back as strings). */
export async function selectRows<T>(client: ClickHouseClient, query: SqlFragment): Promise<T[]> {
  const result = await client.query({ query: query.text, format: 'JSONEachRow' });
  return result.json<T>();
}

/**
 * Whether ClickHouse answered and refused the query (a fault of the query, not of reaching the
 * store). The client recognises current servers' errors; 18.16 words them its own way
 * ("Code: 184, e.displayText() = DB::Exception: …"), which it passes on as plain errors.
 */
export function isQueryRefused(error: unknown): boolean {
  if (error instanceof ClickHouseError) return true;
  return (
    error instanceof Error && /^Code: \d+, e\.displayText\(\) = DB::Exception/.test(error.message)
  );
}
