import {
  ContextEngine,
  newestVersions,
  ATTRIBUTION_MODELS,
  type AttributionModel,
  type ContextRecord,
} from '@ctxb/context';
import { trafficEvents } from '@ctxb/simulation';
import type { ClickHouseClient } from '@clickhouse/client';
import { ContextRecordStore, revenueAttribution, type RevenueAttributionQuery } from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';

/** Every version the pure engine makes of some generated traffic. */
function generatedRecords(
  options: Partial<Parameters<typeof trafficEvents>[0]> = {},
): ContextRecord[] {
  const engine = new ContextEngine();
  const events = trafficEvents({
    seed: 21,
    journeys: 400,
    start: '2026-03-01',
    days: 20,
    includeStory: true,
    ...options,
  });
  return [...events.flatMap((e) => engine.ingest(e).records), ...engine.drain()];
}

/**
 * The client, logging when each insert starts and ends, except that inserts into `held` wait
 * for `release`; `reached` gives the log as it was when the first of them was asked for.
 */
function holdingInserts(client: ClickHouseClient, held: string[]) {
  const log: string[] = [];
  let reach!: (log: string[]) => void;
  let release!: () => void;
  const reached = new Promise<string[]>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  /** Runs one insert into `table`, held first if the table is among `held`, with its log. */
  const insert = async <T>(table: string, run: () => Promise<T>): Promise<T> => {
    log.push(`start ${table}`);
    if (held.includes(table)) {
      reach([...log]);
      await released;
    }
    const result = await run();
    log.push(`end ${table}`);
    return result;
  };
  // Rows go in through `insert` (JSONEachRow) or through `exec` (the Values format).
  const holding = new Proxy(client, {
    get(target, property) {
      if (property === 'insert')
        return (params: Parameters<ClickHouseClient['insert']>[0]) =>
          insert(params.table, () => target.insert(params));
      if (property === 'exec')
        return (params: Parameters<ClickHouseClient['exec']>[0]) => {
          const table = /^INSERT INTO `?(\w+)/.exec(params.query)?.[1];
          return table === undefined
            ? target.exec(params)
            : insert(table, () => target.exec(params));
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { client: holding, log, reached, release };
}

const cents = (amount: string | null) => Math.round(Number(amount ?? '0') * 100);

/**
 * The report computed here from the records themselves: newest version per order placed in
 * the period, its amounts (in cents) split by the model's weights.
 */
function expected(records: ContextRecord[], query: RevenueAttributionQuery) {
  const newest = new Map<string, ContextRecord>();
  for (const r of records)
    if ((newest.get(r.contextReferenceId)?.version ?? 0) < r.version)
      newest.set(r.contextReferenceId, r);
  const groups = new Map<
    string,
    { orders: number; ordered: number; orderedNet: number; invoiced: number; posted: number }
  >();
  for (const r of newest.values()) {
    const placed = Date.parse(r.order.placedAt);
    if (placed < query.from.getTime() || placed >= query.to.getTime()) continue;
    const a = r.amounts;
    const reductions = Math.max(cents(a.refunded), cents(a.returned));
    const orderedNet = a.realized ? Math.max(0, cents(a.ordered) - reductions) : 0;
    for (const w of r.attribution[query.model]) {
      const key = `${a.currency}|${query.by === 'channel' ? w.channel : (w.campaign ?? '')}`;
      const g = groups.get(key) ?? { orders: 0, ordered: 0, orderedNet: 0, invoiced: 0, posted: 0 };
      g.orders += w.weight;
      g.ordered += w.weight * cents(a.ordered);
      g.orderedNet += w.weight * orderedNet;
      g.invoiced += w.weight * cents(a.invoiced);
      g.posted += w.weight * cents(a.revenueCredited);
      groups.set(key, g);
    }
  }
  return groups;
}

describe('revenue attribution across modules on ClickHouse', () => {
  const database = new ClickHouseTestDatabase('it_revenue');
  const { client } = database;
  const records = generatedRecords();
  const period = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };

  beforeAll(async () => {
    await database.create();
    const store = new ContextRecordStore(client);
    await store.ensureSchema();
    // As the engine writes (batches), then a replay of everything in reverse.
    for (let i = 0; i < records.length; i += 500) await store.write(records.slice(i, i + 500));
    await store.write([...records].reverse());
  });
  afterAll(() => database.drop());

  it.each(
    ATTRIBUTION_MODELS.flatMap((model) => [
      [model, 'channel'],
      [model, 'campaign'],
    ]) as [AttributionModel, 'channel' | 'campaign'][],
  )(
    "splits each module's revenue by %s weights per %s, as computed from the records",
    async (model, by) => {
      const query = { ...period, model, by, limit: 1000, offset: 0 };
      const report = await revenueAttribution(client, query);
      const want = expected(records, query);
      expect(report.rows.length).toBe(want.size);
      expect(report.page.hasMore).toBe(false);
      for (const row of report.rows) {
        const g = want.get(`${row.currency}|${row.key ?? ''}`)!;
        expect(g).toBeDefined();
        expect(row.orders).toBeCloseTo(g.orders, 1);
        // Weighted sums: equal up to a cent of rounding.
        expect(Math.abs(cents(row.ordered.gross) - g.ordered)).toBeLessThanOrEqual(1);
        expect(Math.abs(cents(row.ordered.net) - g.orderedNet)).toBeLessThanOrEqual(1);
        expect(Math.abs(cents(row.invoiced.gross) - g.invoiced)).toBeLessThanOrEqual(1);
        expect(Math.abs(cents(row.postedRevenue.gross) - g.posted)).toBeLessThanOrEqual(1);
        const difference = cents(row.invoiced.gross) - cents(row.ordered.gross);
        expect(
          Math.abs(cents(row.differences.invoicedMinusOrdered.gross) - difference),
        ).toBeLessThanOrEqual(1);
        expect(row.crm).toBeNull();
      }
      // Sorted by net ordered revenue within a currency.
      const nets = report.rows.map((r) => cents(r.ordered.net));
      expect([...nets].sort((a, b) => b - a)).toEqual(nets);
    },
  );

  it('adds up to the totals, which count every order of the period once', async () => {
    const report = await revenueAttribution(client, {
      ...period,
      model: 'linear' as AttributionModel,
      by: 'channel',
      limit: 1000,
      offset: 0,
    });
    const orders = new Set(
      records
        .filter(
          (r) =>
            Date.parse(r.order.placedAt) >= period.from.getTime() &&
            Date.parse(r.order.placedAt) < period.to.getTime(),
        )
        .map((r) => r.contextReferenceId),
    );
    expect(report.totals.reduce((n, t) => n + t.orders, 0)).toBe(orders.size);
    for (const total of report.totals) {
      const rows = report.rows.filter((r) => r.currency === total.currency);
      const sum = rows.reduce((n, r) => n + cents(r.ordered.net), 0);
      expect(Math.abs(sum - cents(total.ordered.net))).toBeLessThanOrEqual(rows.length);
      // GL revenue is net of VAT: below what AR invoiced.
      expect(cents(total.postedRevenue.gross)).toBeLessThan(cents(total.invoiced.gross));
    }
  });

  it('pages through the rows without losing or repeating one', async () => {
    const query = { ...period, model: 'first-touch' as AttributionModel, by: 'campaign' as const };
    const all = (await revenueAttribution(client, { ...query, limit: 1000, offset: 0 })).rows;
    const paged = [];
    for (let offset = 0; ; offset += 2) {
      const page = await revenueAttribution(client, { ...query, limit: 2, offset });
      paged.push(...page.rows);
      if (!page.page.hasMore) break;
    }
    expect(paged).toEqual(all);
  });

  it('counts a context being written only once every row it joins is there', async () => {
    const later = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-07-01T00:00:00Z') };
    const written = generatedRecords({
      seed: 22,
      journeys: 60,
      start: '2026-06-01',
      days: 10,
      includeStory: false,
      idPrefix: 'w-',
    });
    const report = () =>
      revenueAttribution(client, {
        ...later,
        model: 'linear' as AttributionModel,
        by: 'channel',
        limit: 1000,
        offset: 0,
      });
    const holding = holdingInserts(client, ['context_latest', 'context_amounts']);
    const writing = new ContextRecordStore(holding.client).write(written);
    const before = await holding.reached;
    // Every detail table is written before the tables reports start from …
    const details = [
      'context_summaries',
      'context_sessions',
      'context_touchpoints',
      'context_attribution',
      'order_state_history',
      'correlated_ids',
    ];
    expect(before.filter((e) => e.startsWith('end ')).sort()).toEqual(
      details.map((t) => `end ${t}`).sort(),
    );
    // … which are not there yet: no report counts the contexts being written.
    expect(await report()).toMatchObject({ rows: [], totals: [] });

    holding.release();
    await writing;
    // The record table last, once the others are written.
    const lastEnd = Math.max(
      ...['context_latest', 'context_amounts'].map((t) => holding.log.indexOf(`end ${t}`)),
    );
    expect(holding.log.indexOf('start context_versions')).toBeGreaterThan(lastEnd);
    const after = await report();
    expect(after.totals).toHaveLength(1);
    const placed = (r: ContextRecord) =>
      Date.parse(r.order.placedAt) >= later.from.getTime() &&
      Date.parse(r.order.placedAt) < later.to.getTime();
    expect(after.totals[0].orders).toBe(newestVersions(written).filter(placed).length);
    const sum = after.rows.reduce((n, r) => n + cents(r.ordered.gross), 0);
    expect(Math.abs(sum - cents(after.totals[0].ordered.gross))).toBeLessThanOrEqual(
      after.rows.length,
    );
  });

  it('sets what the CRM holds beside the modules, for the orders it reported', async () => {
    const august = { from: new Date('2026-08-01T00:00:00Z'), to: new Date('2026-09-01T00:00:00Z') };
    const written = generatedRecords({
      seed: 23,
      journeys: 80,
      start: '2026-08-01',
      days: 10,
      includeStory: false,
      idPrefix: 'crm-',
    });
    await new ContextRecordStore(client).write(written);
    const newest = newestVersions(written).filter(
      (r) => Date.parse(r.order.placedAt) >= august.from.getTime(),
    );
    // Every second order is in the CRM, at 90 % of its total since a discount there; the read
    // before it (an older one, at the full total) no longer counts. Every sixth is reopened.
    const reported = new Map<string, number>();
    const reading = (r: ContextRecord, cents: number, readMs: number, extra = {}) => ({
      context_reference_id: r.contextReferenceId,
      connector: 'salesforce',
      target: 'crm',
      document: `006${r.order.orderId}`,
      currency: '',
      read_ms: readMs,
      version: r.version,
      amount_micros: String(cents * 10_000),
      rows: 1,
      ...extra,
    });
    const rows = newest.flatMap((r, i) => {
      if (i % 2 === 1) return [];
      const discounted = Math.round(cents(r.amounts.ordered) * 0.9);
      if (i % 6 === 0) {
        // Won in the order's currency, then reopened: the newest read found nothing that
        // counts (0, no rows, no currency), and that replaces the earlier read.
        reported.set(r.contextReferenceId, 0);
        return [
          reading(r, discounted, 1_000, { currency: r.amounts.currency }),
          reading(r, 0, 2_000, { rows: 0 }),
        ];
      }
      reported.set(r.contextReferenceId, discounted);
      return [reading(r, cents(r.amounts.ordered), 1_000), reading(r, discounted, 2_000)];
    });
    // Not CRM, or not in the order's currency: counts against nothing.
    const [odd, other] = newest.filter((_, i) => i % 2 === 1);
    rows.push({ ...reading(odd, 999_99, 3_000), target: 'om' });
    rows.push(reading(other, 999_99, 3_000, { currency: 'JPY' }));
    await client.insert({ table: 'erp_amounts', format: 'JSONEachRow', values: rows });

    const query = { ...august, model: 'linear' as AttributionModel, by: 'campaign' as const };
    const report = await revenueAttribution(client, { ...query, limit: 1000, offset: 0 });
    const want = new Map<string, { orders: number; amount: number }>();
    for (const r of newest) {
      const crm = reported.get(r.contextReferenceId);
      if (crm === undefined) continue;
      for (const w of r.attribution.linear) {
        const key = `${r.amounts.currency}|${w.campaign ?? ''}`;
        const g = want.get(key) ?? { orders: 0, amount: 0 };
        g.orders += w.weight;
        g.amount += w.weight * crm;
        want.set(key, g);
      }
    }
    expect(report.rows.filter((r) => r.crm !== null)).toHaveLength(want.size);
    for (const row of report.rows) {
      const g = want.get(`${row.currency}|${row.key ?? ''}`);
      if (!g) {
        expect(row.crm).toBeNull();
        continue;
      }
      expect(row.crm!.orders).toBeCloseTo(g.orders, 1);
      expect(Math.abs(cents(row.crm!.amount) - g.amount)).toBeLessThanOrEqual(1);
    }
    const [total] = report.totals;
    expect(total.crm).toEqual({
      amount: ([...reported.values()].reduce((n, c) => n + c, 0) / 100).toFixed(2),
      orders: reported.size,
    });
    expect(report.totals).toHaveLength(1);
  });
});
