import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
} from '@clickhouse/client';
import type { ClickHouseConfig } from '@ctxb/config';
import { identifier, joinSql, sql, type SqlFragment } from './sql/sql';
import { valuesRows, type RowValue } from './sql/values-rows';

/**
 * Settings every request of the store carries, so that 18.16 and current releases answer
 * alike: 64-bit integers in JSON as strings (18.16's default; current releases write numbers,
 * which lose digits past 2^53, and money is summed in Int64 micro-units).
 */
export const STORE_QUERY_SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const;

/** A client on the configured database; identifiers come from validated config, never input. */
export function createClickHouse(config: ClickHouseConfig): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    request_timeout: config.requestTimeoutMs,
    clickhouse_settings: STORE_QUERY_SETTINGS,
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * Inserts rows in the Values format, their `columns` in that order (see values-rows): a body
 * cut short is refused whole, never stored in part; and a text column (an event's or a
 * record's JSON) goes as one literal, where JSONEachRow would escape it again inside its row.
 */
export async function insertRows<Row extends Record<Column, RowValue>, Column extends string>(
  client: ClickHouseClient,
  table: string,
  columns: readonly [Column, ...Column[]],
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  await insertRowsText(client, table, columns, [valuesRows(rows, columns)]);
}

/** Inserts Values text made already, in parts (each of whole rows), in their order. */
export async function insertRowsText(
  client: ClickHouseClient,
  table: string,
  columns: readonly [string, ...string[]],
  parts: readonly (string | Buffer)[],
): Promise<void> {
  if (parts.length === 0) return;
  const into = sql`INSERT INTO ${identifier(table)} (${joinSql(columns.map(identifier))}) FORMAT Values`;
  const { stream } = await client.exec({
    query: into.text,
    values: Readable.from(parts, { objectMode: false }),
  });
  // Nothing comes back from an insert but the end of the answer, which frees the connection.
  await finished(stream.resume());
}

/**
 * The rows of a query made with `sql` (JSONEachRow: 64-bit integers come back as strings, see
 * STORE_QUERY_SETTINGS).
 */
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
