import type { ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '@ctxb/config';
import { EVENT_CATALOGUE, Topic, type CloudEvent } from '@ctxb/events';
import { trafficEvents } from '@ctxb/simulation';
import { createClickHouse, joinSql, selectRows, sql, type SqlFragment } from '@ctxb/store';
import {
  createKafka,
  engineConsumerGroups,
  orderedProducer,
  publishEvents,
  waitForStableGroups,
} from '@ctxb/streaming';
import { SingleBar } from 'cli-progress';
import { BenchEngines } from './engine-e2e.bench';

export interface FreshnessBenchOptions {
  /** Events written per second (the load). */
  rate: number;
  /** For how long. */
  seconds: number;
}

/** Every this-many-th event is followed to the raw events table (and to a plain consumer). */
const SAMPLE_EVERY = 20;
const POLL_MS = 50;

/**
 * Event to queryable under load: generated traffic written live to the event topics at a
 * steady rate (each event dated when it is written, as a shop's would be), one built engine
 * with its archive on. Followed: every SAMPLE_EVERY-th event until its row is in the
 * raw events table, and every order until its context is in `context_versions`, both polled
 * every POLL_MS, while the load goes on (the last 2 s are not followed). The baseline, same
 * events, same run: a plain kafkajs consumer receiving the sampled events. The engine runs with `context.latenessSeconds = 0`: with the default 300 s,
 * a live context is due 300 s of event time after its order, on purpose, and that wait
 * comes on top of the figures here.
 */
export async function freshnessBench(options: FreshnessBenchOptions): Promise<void> {
  const total = options.rate * options.seconds;
  const traffic = trafficEvents({
    seed: 7,
    journeys: Math.ceil(total / 30),
    start: '2026-03-01',
    days: 30,
    includeStory: false,
    idPrefix: `fresh${Date.now().toString(36)}-`,
  }).slice(0, total);
  console.log(
    `freshness benchmark: ${traffic.length.toLocaleString('en-US')} events at ${options.rate.toLocaleString('en-US')} events/s, one engine, context lateness 0 s`,
  );
  const run = await BenchEngines.prepare({ CTXB_CONTEXT_LATENESS_SECONDS: '0' });
  const config = loadConfig();
  const kafka = createKafka(config.kafka, 'bench-freshness');
  const consumer = kafka.consumer({ groupId: `${run.run}_baseline` });
  const producer = orderedProducer(kafka);
  const sent = { events: new Map<string, number>(), orders: new Map<string, number>() };
  const seen = { kafka: [] as number[], events: [] as number[], contexts: [] as number[] };
  const kafkaSeen = new Set<string>();
  const store = createClickHouse({ ...config.clickhouse, database: run.database });
  try {
    await run.start(1);
    const { intake, context } = engineConsumerGroups(run.groupId);
    await waitForStableGroups(run.admin, [intake, context], 120_000);
    await consumer.connect();
    await consumer.subscribe({ topic: Topic.CustomerJourney, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = (JSON.parse(String(message.value)) as { id?: string }).id;
        const at = id === undefined ? undefined : sent.events.get(id);
        if (at !== undefined && !kafkaSeen.has(id!)) {
          kafkaSeen.add(id!);
          seen.kafka.push(Date.now() - at);
        }
      },
    });
    await waitForStableGroups(run.admin, [`${run.run}_baseline`]);
    await producer.connect();

    const poller = pollStore(store, sent, seen);
    await writeLive(producer, traffic, options.rate, sent);
    // Everything written: wait for the stragglers a little, then stop following.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (sent.events.size > 0 || sent.orders.size > 0))
      await new Promise((r) => setTimeout(r, 200));
    poller.stop();
    await poller.done;

    const line = (name: string, values: number[], left: number) => {
      const p = percentiles(values);
      const base = percentiles(seen.kafka);
      console.log(
        `  ${name.padEnd(34)} p50 ${ms(p.p50)}  p99 ${ms(p.p99)}  max ${ms(p.max)}   p99 ratio to baseline ${(p.p99 / Math.max(1, base.p99)).toFixed(1)}   (${values.length} followed${left ? `, ${left} not seen within 15 s` : ''})`,
      );
      return p;
    };
    line('baseline: kafkajs consumer', seen.kafka, 0);
    const raw = line('event → raw events table', seen.events, sent.events.size);
    const contexts = line('order → context in ClickHouse', seen.contexts, sent.orders.size);
    const worst = Math.max(raw.p99, contexts.p99);
    console.log(
      `  goal: event to queryable in ClickHouse p99 ≤ 2 s under load → ${worst <= 2000 && sent.orders.size === 0 ? 'met' : 'NOT met'} (${ms(worst)})`,
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await store.close();
    await run.close();
  }
}

/**
 * Writes the events in time order at `rate`, each dated the moment it is written (so event
 * time runs with the clock, as live traffic does), noting when the followed ones went out.
 */
export async function writeLive(
  producer: ReturnType<typeof orderedProducer>,
  events: CloudEvent[],
  rate: number,
  sent: { events: Map<string, number>; orders: Map<string, number> },
): Promise<void> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'writing [{bar}] {value}/{total} events', stream: process.stderr })
    : undefined;
  bar?.start(events.length, 0);
  const started = Date.now();
  const slice = Math.max(1, Math.round(rate / 50));
  // The last 2 s of load are not followed: an order needs later events in its journey
  // partition to move the engine's clock past it, and after the load there are none.
  const followedUntil = events.length - 2 * rate;
  for (let i = 0; i < events.length; i += slice) {
    const due = started + (i / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const now = Date.now();
    const chunk = events
      .slice(i, i + slice)
      .map((e) => ({ ...e, time: new Date(now).toISOString() }));
    chunk.forEach((e, k) => {
      if (i + k >= followedUntil) return;
      const behaviour = EVENT_CATALOGUE.get(e.type)?.topic === Topic.CustomerJourney;
      if ((i + k) % SAMPLE_EVERY === 0 && behaviour) sent.events.set(e.id, now);
      if (e.type === 'order.placed') sent.orders.set(String(e.data.orderId), now);
    });
    await publishEvents(producer, chunk);
    bar?.update(Math.min(events.length, i + slice));
  }
  bar?.stop();
}

/** Polls the store for the followed events and orders until stopped. */
function pollStore(
  store: ClickHouseClient,
  sent: { events: Map<string, number>; orders: Map<string, number> },
  seen: { events: number[]; contexts: number[] },
): { stop(): void; done: Promise<void> } {
  let running = true;
  const found = async (query: (ids: SqlFragment) => SqlFragment, ids: string[]) =>
    ids.length === 0
      ? []
      : (await selectRows<{ k: string }>(store, query(joinSql(ids.map((id) => sql`${id}`))))).map(
          (r) => r.k,
        );
  const done = (async () => {
    while (running) {
      const started = Date.now();
      const [inEvents, inContexts] = await Promise.all([
        found(
          (ids) => sql`SELECT DISTINCT id AS k FROM events WHERE id IN (${ids})`,
          [...sent.events.keys()],
        ),
        found(
          (ids) =>
            sql`SELECT DISTINCT order_id AS k FROM context_versions WHERE order_id IN (${ids})`,
          [...sent.orders.keys()],
        ),
      ]).catch(() => [[], []] as string[][]);
      const now = Date.now();
      for (const id of inEvents) {
        seen.events.push(now - sent.events.get(id)!);
        sent.events.delete(id);
      }
      for (const id of inContexts) {
        seen.contexts.push(now - sent.orders.get(id)!);
        sent.orders.delete(id);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - started))));
    }
  })();
  return { stop: () => (running = false), done };
}

export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

export const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`.padStart(9);
