import { createClient } from '@clickhouse/client';
import { isQueryRefused } from '@ctxb/store';
import { freePort, testConfig, uniqueName } from '../support/test-config';

describe('ClickHouse (@clickhouse/client round trip)', () => {
  const config = testConfig();
  const client = createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    database: config.clickhouse.database,
  });
  afterAll(() => client.close());

  // Money as integer minor units: ClickHouse 18.16 cannot read a Decimal from a JSON string.
  it('inserts rows and selects them back', async () => {
    const table = uniqueName('it_rows');
    await client.command({
      query: `CREATE TABLE ${table} (id UInt32, order_id String, total_minor Int64, placed_at DateTime)
              ENGINE = MergeTree() ORDER BY id`,
    });
    const rows = [
      { id: 1, order_id: 'order-1', total_minor: 1999, placed_at: '2026-11-20 10:00:00' },
      {
        id: 2,
        order_id: "o'2 \\ \u00e9",
        total_minor: 100000005,
        placed_at: '2026-11-21 23:59:59',
      },
    ];
    await client.insert({ table, values: rows, format: 'JSONEachRow' });

    const result = await client.query({
      query: `SELECT id, order_id, total_minor, toString(placed_at) AS placed_at FROM ${table} ORDER BY id`,
      format: 'JSONEachRow',
    });
    // 64-bit integers come back quoted in JSON (exact, never through a float).
    expect(await result.json()).toEqual(
      rows.map((r) => ({ ...r, total_minor: String(r.total_minor) })),
    );
    await client.command({ query: `DROP TABLE ${table}` });
  });

  it('tells a query ClickHouse refused from a store it cannot reach', async () => {
    const refused = await client
      .query({ query: 'SELECT no_such_column FROM system.one' })
      .then((r) => r.json())
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(isQueryRefused(refused)).toBe(true);
    const nowhere = createClient({ url: `http://127.0.0.1:${await freePort()}` });
    const unreachable = await nowhere.query({ query: 'SELECT 1' }).catch((error: unknown) => error);
    await nowhere.close();
    expect(isQueryRefused(unreachable)).toBe(false);
  });
});
