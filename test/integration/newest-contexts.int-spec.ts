import {
  compactSettledMonths,
  ContextRecordStore,
  latestLayout,
  readingNewest,
  selectRows,
  sql,
  type NewestSummaries,
} from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { craftedOrder } from '../support/order-12345-records';

describe('newest context rows for roll-ups: merged months without FINAL, open months with it', () => {
  const database = new ClickHouseTestDatabase('it_newest');
  const { client } = database;
  const store = new ContextRecordStore(client);
  const period = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
  /** What the store should answer: order id → [version, total]. */
  const expected = new Map<string, [number, string]>();

  const order = (n: number, month: number, version: number, total: string) => {
    const id = `NEWEST-${n}`;
    expected.set(id, [version, total]);
    const day = String(1 + (n % 27)).padStart(2, '0');
    return craftedOrder(id, `2026-0${month}-${day}T10:00:00.000Z`, total, 3000, 1, 'EUR', version);
  };

  /** order id → [version, total] as the newest rows say, each context once. */
  const newestRows = async (newest: NewestSummaries) => {
    const rows = await selectRows<{ order_id: string; version: number; total: string }>(
      client,
      sql`SELECT order_id, version, toString(total_micros) AS total FROM (${newest(
        sql`order_id, version, total_micros`,
        period,
      )}) ORDER BY order_id`,
    );
    const seen = new Map<string, [number, string]>();
    for (const row of rows) {
      expect(seen.has(row.order_id)).toBe(false);
      seen.set(row.order_id, [Number(row.version), (Number(row.total) / 1e6).toFixed(2)]);
    }
    return seen;
  };

  beforeAll(async () => {
    await database.create();
    await store.ensureSchema();
    // Three months, each in several parts: first versions, a replay of them, newer versions.
    const first = Array.from({ length: 30 }, (_, n) => order(n, 1 + (n % 3), 1, '10.00'));
    await store.write(first);
    await store.write(first);
    await store.write([order(3, 1, 2, '12.50'), order(4, 2, 3, '0.00')]);
  });
  afterAll(() => database.drop());

  it('reads every open month with FINAL: one row per context, its newest version', async () => {
    const layout = await latestLayout(client);
    expect(layout).toEqual({ mergedParts: [], openMonths: [202601, 202602, 202603] });
    expect(await readingNewest(client, newestRows)).toEqual(expected);
  });

  it('merges settled months into one part each and reads them without FINAL', async () => {
    expect(await compactSettledMonths(client, { quietMs: 3_600_000 })).toEqual([]);
    const compacted = await compactSettledMonths(client, { quietMs: 0 });
    expect(compacted.map((m) => m.partition)).toEqual(['202601', '202602', '202603']);
    const layout = await latestLayout(client);
    expect(layout.openMonths).toEqual([]);
    expect(layout.mergedParts).toHaveLength(3);
    expect(await readingNewest(client, newestRows)).toEqual(expected);
    expect(await compactSettledMonths(client, { quietMs: 0 })).toEqual([]);
  });

  it('reads a merged month that gained a version with FINAL again', async () => {
    await store.write([order(7, 2, 2, '99.99')]);
    const layout = await latestLayout(client);
    expect(layout.openMonths).toEqual([202602]);
    expect(layout.mergedParts).toHaveLength(2);
    expect(await readingNewest(client, newestRows)).toEqual(expected);
  });

  it('reads again when a merged part it named is merged away before the query', async () => {
    await compactSettledMonths(client, { quietMs: 0 });
    let reads = 0;
    const answer = await readingNewest(client, async (newest) => {
      reads += 1;
      if (reads === 1) {
        // Between the look at the parts and the query: January gains a version and is merged.
        await store.write([order(9, 1, 2, '45.00')]);
        await compactSettledMonths(client, { quietMs: 0 });
      }
      return newestRows(newest);
    });
    expect(reads).toBe(2);
    expect(answer).toEqual(expected);
    expect(answer.get('NEWEST-9')).toEqual([2, '45.00']);
  });
});
