import type { ClickHouseClient } from '@clickhouse/client';

/**
 * What a backfill must reproduce: every distinct raw event and every distinct context version
 * in the store, in key order (replayed duplicates collapse, as reads see them).
 */
export async function lakeBackedRows(client: ClickHouseClient) {
  const rowsOf = async (query: string) =>
    (await client.query({ query, format: 'JSONEachRow' })).json();
  return {
    events: await rowsOf('SELECT * FROM events ORDER BY source, id LIMIT 1 BY source, id'),
    records: await rowsOf(
      'SELECT * FROM context_versions ORDER BY context_reference_id, version LIMIT 1 BY context_reference_id, version',
    ),
  };
}
