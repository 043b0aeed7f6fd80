import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ctxb/config';
import { EVENT_CATALOGUE } from '@ctxb/events';
import { OdbcConnections } from '@ctxb/odbc-connector';
import { trafficEvents } from '@ctxb/simulation';
import { createClickHouse, joinSql, selectRows, sql } from '@ctxb/store';
import {
  createKafka,
  engineConsumerGroups,
  JOURNEY_COMMAND_HEADER,
  journeyEvents,
  orderedProducer,
  waitForStableGroups,
} from '@ctxb/streaming';
import { Client as PgClient } from 'pg';
import { parseDocument } from 'yaml';
import { POSTGRES } from '../apps/cli/src/local-services/erp-databases';
import { bookOrders, createSampleErp, dropSampleErp, omOnlyProfile } from './delivery.bench';
import { BenchEngines } from './engine-e2e.bench';
import { ms, percentiles, writeLive } from './freshness.bench';

export interface ErpLatencyBenchOptions {
  /** Background load: events written per second. */
  rate: number;
  seconds: number;
}

/** How often the store is asked which contexts are in: those take seconds, not milliseconds. */
const STORE_POLL_MS = 100;
const PLACED = Buffer.from('"order.placed"');

/**
 * From `order.placed` on Kafka to its `context_reference_id` in the ERP's order header, under
 * live load: generated traffic written at `rate` events/s (each event dated when written), one
 * built engine (context lateness 0 s) and one built worker delivering into the reference ERP
 * on PostgreSQL (linking on placement), its orders booked beforehand. Every order is followed:
 * until its reference is in `sales_order` (version 0, from the order event alone) and until an
 * assembled version is, both noted as the commits happen (see watchOrderHeaders), and until
 * its context is in ClickHouse (polled every STORE_POLL_MS). Baseline, same run: a plain
 * kafkajs consumer receiving the same `order.placed` events. The observers keep their own
 * load low (no polling of the ERP, no offset commits), since they share the machine with
 * what they measure.
 */
export async function erpLatencyBench(options: ErpLatencyBenchOptions): Promise<void> {
  const traffic = trafficEvents({
    seed: 11,
    journeys: Math.ceil((options.rate * options.seconds) / 30),
    start: '2026-03-01',
    days: 30,
    includeStory: false,
    idPrefix: `lat${Date.now().toString(36)}-`,
  }).slice(0, options.rate * options.seconds);
  const orderIds = traffic
    .filter((e) => e.type === 'order.placed')
    .map((e) => String(e.data.orderId));
  console.log(
    `event-to-ERP latency benchmark: ${traffic.length.toLocaleString('en-US')} events (${orderIds.length.toLocaleString('en-US')} orders) at ${options.rate.toLocaleString('en-US')} events/s, one engine (context lateness 0 s), one worker`,
  );

  const database = `bench_latency_${Date.now().toString(36)}`;
  const erp = await createSampleErp(database);
  const pool = new OdbcConnections(erp, { size: 3, loginTimeoutSeconds: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'ctxb-bench-latency-'));
  const profile = join(dir, 'sample-erp.yaml');
  // The reference goes in as soon as the order is placed; the summary once it is assembled.
  const linking = parseDocument(omOnlyProfile(erp));
  linking.setIn(['modules', 'om', 'linkOnPlacement'], true);
  writeFileSync(profile, linking.toString());
  const overlay = join(dir, 'links.json');
  writeFileSync(
    overlay,
    JSON.stringify({ links: { connectors: [{ profile, concurrency: 64, maxPerSecond: 0 }] } }),
  );
  const settings = { CTXB_CONTEXT_LATENESS_SECONDS: '0', CTXB_CONFIG: overlay };
  const run = await BenchEngines.prepare(settings);
  const config = loadConfig();
  const kafka = createKafka(config.kafka, 'bench-latency');
  const consumer = kafka.consumer({ groupId: `${run.run}_baseline` });
  const producer = orderedProducer(kafka);
  const store = createClickHouse({ ...config.clickhouse, database: run.database });
  const sent = { events: new Map<string, number>(), orders: new Map<string, number>() };
  const seen = {
    kafka: new Map<string, number>(),
    journeys: new Map<string, number>(),
    contexts: new Map<string, number>(),
  };
  const journeys = kafka.consumer({ groupId: `${run.run}_journeys_seen` });
  const linked = new Map<string, number>();
  const assembled = new Map<string, number>();
  let headers: { close(): Promise<void> } | undefined;
  try {
    await bookOrders(pool, orderIds);
    headers = await watchOrderHeaders(database, sent.orders, linked, assembled);
    await run.start(1);
    await run.startWorker(settings);
    await waitForStableGroups(run.admin, Object.values(engineConsumerGroups(run.groupId)), 120_000);
    await consumer.connect();
    await consumer.subscribe({
      topic: EVENT_CATALOGUE.get('order.placed')!.topic,
      fromBeginning: false,
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const orderId = placedOrder(JSON.parse(String(message.value)) as Record<string, unknown>);
        const at = sent.orders.get(orderId);
        if (at !== undefined && !seen.kafka.has(orderId)) seen.kafka.set(orderId, Date.now() - at);
      },
    });
    // Where the time goes: the engine's intake has re-keyed the order onto the journey topic.
    await journeys.connect();
    await journeys.subscribe({ topic: run.journeyTopic, fromBeginning: false });
    await journeys.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.headers?.[JOURNEY_COMMAND_HEADER] !== undefined) return;
        // Most packs hold no order: not decoded.
        if (!message.value?.includes(PLACED)) return;
        for (const { event } of journeyEvents(message)) {
          const orderId = placedOrder(event);
          const at = sent.orders.get(orderId);
          if (at !== undefined && !seen.journeys.has(orderId))
            seen.journeys.set(orderId, Date.now() - at);
        }
      },
    });
    await waitForStableGroups(run.admin, [`${run.run}_baseline`, `${run.run}_journeys_seen`]);
    await producer.connect();

    let following = true;
    const contexts = follow(
      () => following,
      sent.orders,
      seen.contexts,
      async (ids) =>
        (
          await selectRows<{ k: string }>(
            store,
            sql`SELECT DISTINCT order_id AS k FROM context_versions
              WHERE order_id IN (${joinSql(ids.map((id) => sql`${id}`))})`,
          )
        ).map((r) => r.k),
    );
    await writeLive(producer, traffic, options.rate, sent);
    const deadline = Date.now() + 15_000;
    while (
      Date.now() < deadline &&
      (linked.size < sent.orders.size || assembled.size < sent.orders.size)
    )
      await new Promise((r) => setTimeout(r, 200));
    following = false;
    await contexts;

    const base = percentiles([...seen.kafka.values()]);
    const line = (name: string, values: Map<string, number>) => {
      const p = percentiles([...values.values()]);
      const left = sent.orders.size - values.size;
      console.log(
        `  ${name.padEnd(38)} p50 ${ms(p.p50)}  p99 ${ms(p.p99)}  max ${ms(p.max)}   p99 ratio to baseline ${(p.p99 / Math.max(1, base.p99)).toFixed(1)}   (${values.size} followed${left ? `, ${left} not seen within 15 s` : ''})`,
      );
      return p;
    };
    line('baseline: kafkajs consumer', seen.kafka);
    line('order.placed → engine journey topic', seen.journeys);
    line('order.placed → context in ClickHouse', seen.contexts);
    const toErp = line('order.placed → reference in sales_order', linked);
    line('order.placed → assembled in sales_order', assembled);
    const all = linked.size === sent.orders.size;
    console.log(
      `  goal: event to ERP p50 ≤ 50 ms → ${toErp.p50 <= 50 && all ? 'met' : 'NOT met'} (${ms(toErp.p50).trim()})`,
    );
    console.log(
      `  goal: event to ERP p99 ≤ 500 ms → ${toErp.p99 <= 500 && all ? 'met' : 'NOT met'} (${ms(toErp.p99).trim()})`,
    );
  } finally {
    await headers?.close();
    await consumer.disconnect().catch(() => undefined);
    await journeys.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await store.close();
    await run.close();
    await pool.close();
    await dropSampleErp(database);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Notes when each followed order's header first shows its reference, and an assembled version
 * (above 0), as seen by a listener: a trigger on `sales_order` notifies with the order number
 * and version, and PostgreSQL delivers a notification only once its transaction has committed,
 * which is when readers of the table see the change. Times are taken on arrival, so they
 * include the delivery; nothing polls the ERP database meanwhile.
 */
async function watchOrderHeaders(
  database: string,
  sent: Map<string, number>,
  linked: Map<string, number>,
  assembled: Map<string, number>,
): Promise<{ close(): Promise<void> }> {
  const listener = new PgClient({
    host: POSTGRES.host,
    port: POSTGRES.port,
    user: POSTGRES.user,
    database,
  });
  // Orders it misses show as not seen; the run goes on.
  listener.on('error', (error) => console.error(`  ERP listener: ${error.message}`));
  await listener.connect();
  await listener.query(`
    CREATE FUNCTION bench_header_linked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.context_reference_id IS NOT NULL THEN
        PERFORM pg_notify('bench_header_linked',
          NEW.order_no || ' ' || COALESCE(NEW.context_version, 0));
      END IF;
      RETURN NULL;
    END $$`);
  await listener.query(`
    CREATE TRIGGER bench_header_linked
      AFTER UPDATE OF context_reference_id, context_version ON sales_order
      FOR EACH ROW EXECUTE FUNCTION bench_header_linked()`);
  listener.on('notification', ({ payload }) => {
    const now = Date.now();
    const [orderId, version] = String(payload).split(' ');
    const at = sent.get(orderId);
    if (at === undefined) return;
    if (!linked.has(orderId)) linked.set(orderId, now - at);
    if (Number(version) > 0 && !assembled.has(orderId)) assembled.set(orderId, now - at);
  });
  await listener.query('LISTEN bench_header_linked');
  return { close: () => listener.end().catch(() => undefined) };
}

/** The order id of an `order.placed` event, else ''. */
function placedOrder(event: { type?: unknown; data?: unknown }): string {
  const data = event.data as { orderId?: string } | undefined;
  return event.type === 'order.placed' ? String(data?.orderId) : '';
}

/**
 * Until stopped, every STORE_POLL_MS: which of the orders sent and not yet found `found` finds,
 * each noted with the time since it was sent.
 */
async function follow(
  running: () => boolean,
  sent: Map<string, number>,
  into: Map<string, number>,
  found: (ids: string[]) => Promise<string[]>,
): Promise<void> {
  while (running()) {
    const started = Date.now();
    const pending = [...sent.keys()].filter((id) => !into.has(id));
    for (let i = 0; i < pending.length; i += 500) {
      const ids = await found(pending.slice(i, i + 500)).catch(() => []);
      const now = Date.now();
      for (const id of ids) into.set(id, now - sent.get(id)!);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, STORE_POLL_MS - (Date.now() - started))));
  }
}
