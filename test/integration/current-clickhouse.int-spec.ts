import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributionModel,
  ContextEngine,
  DEFAULT_CONTEXT_OPTIONS,
  newestVersions,
} from '@ctxb/context';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { EVENT_CATALOGUE } from '@ctxb/events';
import { ORDER_12345, trafficEvents } from '@ctxb/simulation';
import {
  attributionModels,
  channelPerformance,
  checkoutPerformance,
  compactSettledMonths,
  ContextRecordStore,
  DeliveryLogStore,
  ErpAmountStore,
  erpReconciliation,
  eventRow,
  intentSignalReport,
  LakeBackfill,
  LakeExporter,
  LocalLakeStorage,
  orderFulfillment,
  RawEventStore,
  revenueAttribution,
} from '@ctxb/store';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { EmbeddedClickHouse } from '../support/embedded-clickhouse';

/**
 * The store runs on the local ClickHouse server (18.16) and on current releases (the engine
 * of today's ClickHouse, embedded): the same schema, the same writes and every read the API
 * makes, with the same answers on both. Current releases refuse what 18.16 let pass (a joined
 * subquery without an alias, say), and 18.16 lacks much of what they have.
 */
describe('the store on current ClickHouse and on 18.16', () => {
  const server = new ClickHouseTestDatabase('it_current');
  const embedded = new EmbeddedClickHouse();
  const clients = (): [ClickHouseClient, ClickHouseClient] => [server.client, embedded.client];

  const options = DEFAULT_CONTEXT_OPTIONS;
  const events = trafficEvents({
    seed: 31,
    journeys: 150,
    start: '2026-03-01',
    days: 20,
    includeStory: true,
  });
  const engine = new ContextEngine(options);
  const records = [...events.flatMap((e) => engine.ingest(e).records), ...engine.drain()];
  const newest = newestVersions(records);
  const story = newest.find((r) => r.order.orderId === ORDER_12345.orderId)!;
  const period = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };

  /** Each order linked into an ERP and a CRM, with what they hold read back. */
  const attempts: DeliveryAttempt[] = newest.flatMap((r, i) => {
    const at = new Date(Date.parse(r.order.placedAt) + 60_000);
    const attempt = (target: string, document: string, amount: string): DeliveryAttempt => ({
      at,
      connector: target === 'crm' ? 'salesforce' : 'sample-erp',
      target,
      contextReferenceId: r.contextReferenceId,
      version: r.version,
      orderId: r.order.orderId,
      jobId: `${r.contextReferenceId}.v${r.version}.${target}`,
      attempt: 1,
      status: 'written',
      recordIds: [document],
      failureKind: '',
      error: '',
      durationMs: 3,
      amounts: [{ document, currency: '', amount, rows: 1 }],
    });
    // Every fifth CRM record was discounted there.
    const crm = i % 5 === 0 ? (Number(r.order.total) * 0.9).toFixed(2) : r.order.total!;
    return [attempt('om', r.order.orderId, r.order.total!), attempt('crm', `006${i}`, crm)];
  });

  beforeAll(async () => {
    await server.create();
    for (const client of clients()) {
      const store = new ContextRecordStore(client);
      await store.ensureSchema();
      await store.write(records);
      await new RawEventStore(client).write(
        events.map((e) => eventRow(e, EVENT_CATALOGUE.get(e.type)!.topic)),
      );
      await new DeliveryLogStore(client).write(attempts);
      await new ErpAmountStore(client).write(attempts);
      await store.linkDocuments([
        {
          kind: 'crm',
          id: '0060',
          contextReferenceId: newest[0].contextReferenceId,
          system: 'salesforce',
          linkedAt: period.from,
        },
      ]);
    }
  }, 120_000);
  afterAll(async () => {
    await embedded.close();
    await server.drop();
  });

  const reads: [string, (client: ClickHouseClient) => Promise<unknown>][] = [
    [
      'revenue by campaign (linear)',
      (c) =>
        revenueAttribution(c, {
          ...period,
          model: AttributionModel.Linear,
          by: 'campaign',
          limit: 100,
          offset: 0,
        }),
    ],
    [
      'revenue by channel (time-decay), a page',
      (c) =>
        revenueAttribution(c, {
          ...period,
          model: AttributionModel.TimeDecay,
          by: 'channel',
          limit: 3,
          offset: 2,
        }),
    ],
    ['ERP reconciliation', (c) => erpReconciliation(c, { ...period, differences: 5 })],
    ['attribution models', (c) => attributionModels(c, period, options)],
    [
      'channel performance',
      (c) => channelPerformance(c, { ...period, model: AttributionModel.Linear }),
    ],
    [
      'checkout performance',
      (c) => checkoutPerformance(c, { ...period, slowMs: 5000, fastMs: 2000 }),
    ],
    ['order fulfillment', (c) => orderFulfillment(c, period)],
    ['intent signals', (c) => intentSignalReport(c, period, options)],
    ['a record', (c) => new ContextRecordStore(c).newestRecord(story.contextReferenceId)],
    ['a version', (c) => new ContextRecordStore(c).recordAt(story.contextReferenceId, 1)],
    ['its rows', (c) => new ContextRecordStore(c).newestRows(story.contextReferenceId)],
    [
      'the drill-down from an invoice',
      (c) => new ContextRecordStore(c).contextsOfDocument('invoice', `INV-${ORDER_12345.orderId}`),
    ],
    [
      'the drill-down from a CRM record',
      (c) => new ContextRecordStore(c).contextsOfDocument('crm', '0060'),
    ],
    [
      'a device timeline',
      (c) => new RawEventStore(c).timeline({ anonymousId: ORDER_12345.anonymousId }),
    ],
    ['the archive count', (c) => new RawEventStore(c).count()],
    [
      'the delivery log',
      (c) => new DeliveryLogStore(c).list({ target: 'crm', limit: 20, offset: 5 }),
    ],
    ['ERP amounts', (c) => new ErpAmountStore(c).ofContext(story.contextReferenceId)],
  ];

  const LAKE_READS = [
    'attribution models',
    'checkout performance',
    'order fulfillment',
    'intent signals',
    'a record',
    'a version',
    'its rows',
    'the drill-down from an invoice',
    'a device timeline',
    'the archive count',
  ];

  it.each(reads)('answers %s alike', async (_name, read) => {
    const [old, current] = clients();
    const expected = await read(old);
    expect(expected).toBeTruthy();
    expect(await read(current)).toEqual(expected);
  });

  const lakes = [
    mkdtempSync(join(tmpdir(), 'ctxb-lake-')),
    mkdtempSync(join(tmpdir(), 'ctxb-lake-')),
  ];

  it('exports the same hours to the Parquet lake from both', async () => {
    const written = await Promise.all(
      clients().map((c, i) =>
        new LakeExporter(c, new LocalLakeStorage(lakes[i]), {})
          .export('all')
          .then((files) =>
            files.map(({ dataset, hour, path, rows }) => ({ dataset, hour, path, rows })),
          ),
      ),
    );
    expect(written[0].length).toBeGreaterThan(0);
    expect(written[1]).toEqual(written[0]);
  });

  it("rebuilds a store from 18.16's lake that answers as 18.16 does", async () => {
    const rebuilt = new EmbeddedClickHouse();
    try {
      const report = await new LakeBackfill(rebuilt.client, new LocalLakeStorage(lakes[0])).run();
      expect(report).toMatchObject({ events: events.length, records: records.length });
      // The lake holds events and records; deliveries and what the ERPs hold stay in the store.
      const fromLake = reads.filter(([name]) => LAKE_READS.includes(name));
      expect(fromLake).toHaveLength(LAKE_READS.length);
      for (const [, read] of fromLake)
        expect(await read(rebuilt.client)).toEqual(await read(server.client));
    } finally {
      await rebuilt.close();
    }
  });

  it('leaves each settled month of the roll-up table in one merged part on both', async () => {
    for (const client of clients()) {
      await compactSettledMonths(client, { quietMs: 0 });
      const result = await client.query({
        query: `SELECT partition_id, level FROM system.parts
          WHERE database = currentDatabase() AND table = 'context_latest' AND active`,
        format: 'JSONEachRow',
      });
      const parts = await result.json<{ partition_id: string; level: number }>();
      expect(parts.map((p) => [p.partition_id, Number(p.level) > 0])).toEqual([['202603', true]]);
      // A merged month is left alone.
      expect(await compactSettledMonths(client, { quietMs: 0 })).toEqual([]);
    }
  });

  it('answers with what was written, not nothing on both', async () => {
    const report = await revenueAttribution(embedded.client, {
      ...period,
      model: AttributionModel.Linear,
      by: 'campaign',
      limit: 100,
      offset: 0,
    });
    const orders = newest.filter((r) => Date.parse(r.order.placedAt) < period.to.getTime());
    expect(report.totals.reduce((n, t) => n + t.orders, 0)).toBe(orders.length);
    expect(report.totals[0].crm?.orders).toBe(orders.length);
    const reconciliation = await erpReconciliation(embedded.client, { ...period, differences: 5 });
    expect(reconciliation.rows.find((r) => r.target === 'crm')?.differing).toBe(
      orders.filter((_, i) => i % 5 === 0).length,
    );
  });
});
