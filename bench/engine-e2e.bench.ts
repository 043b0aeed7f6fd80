import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '@ctxb/config';
import { TOPICS, type CloudEvent } from '@ctxb/events';
import {
  createKafka,
  createRedis,
  deleteKeysWithPrefix,
  engineConsumerGroups,
  orderedProducer,
  provisionTopics,
  publishEvents,
} from '@ctxb/streaming';
import type { Admin, Kafka } from 'kafkajs';
import { startBuiltApp, stopProcesses, until } from './bench-support';

/** What one end-to-end run measured. */
export interface EndToEndRun {
  /** Events/s once the engines have settled (see engineEndToEnd). */
  sustained: number;
  /** Events/s over the whole run, the engines' start-up included. */
  rate: number;
  /** Seconds from the engines being up to their settling: group joins and the first events. */
  settleSeconds: number;
  /** CPU seconds the engine processes spent over the whole run (every thread). */
  cpuSeconds: number;
}

/** The share of a run's events the intake commits before the sustained rate is timed. */
const WARM_UP_SHARE = 0.1;

/**
 * End to end: events already on the topics → `instances` built engine processes in one group
 * (intake, journey topic, engines, ClickHouse, link jobs; the raw-event archive alongside),
 * with their default settings. The run lasts from the moment the engines are up until the
 * intake has committed everything and the context stage has folded in (and stored the
 * versions of) every journey message.
 *
 * The sustained rate leaves out the start-up: it counts the events the intake had not yet
 * committed once the engines settled — both consumer groups stable with every instance in
 * them, and the first WARM_UP_SHARE of the events committed — and times them from then to
 * the end of the run. Events committed by the intake before then but not yet through the
 * context stage are not counted, though their remaining work is timed: the figure errs low.
 * The whole-run rate includes the group joins, which on this machine take seconds of a run
 * this short. CPU seconds are the engine processes' over the whole run (every thread: the
 * figure that decides on a machine kept busy, and steadier than the rate from run to run).
 */
export async function engineEndToEnd(events: CloudEvent[], instances = 1): Promise<EndToEndRun> {
  const run = await BenchEngines.prepare();
  const sourceStarts = await run.committed([...TOPICS]);
  await produce(run.kafka, events);
  const sourceEnds = await ends(run.kafka, [...TOPICS]);
  const total = eventsBetween(sourceStarts, sourceEnds);
  try {
    const ports = await run.start(instances);
    const started = process.hrtime.bigint();
    const cpuBefore = await cpuSeconds(ports);
    let settled: { at: bigint; left: number } | undefined;
    await until(async () => {
      const committed = await run.committed([...TOPICS]);
      const done = eventsBetween(sourceStarts, committed);
      if (!settled && done >= total * WARM_UP_SHARE && (await run.groupsStable(instances)))
        settled = { at: process.hrtime.bigint(), left: total - done };
      return done >= total;
    }, 600_000);
    // The context stage commits only with its (periodic) snapshots, so its progress is read
    // from the engines' metrics: per journey partition, the position before which everything
    // is folded in and its versions stored and queued.
    const journeyEnds = (await ends(run.kafka, [run.journeyTopic])).get(run.journeyTopic)!;
    await until(async () => {
      const positions = await journeyPositions(ports);
      return [...journeyEnds].every(([p, end]) => (positions.get(p) ?? 0) >= end);
    }, 600_000);
    const ended = process.hrtime.bigint();
    const seconds = (from: bigint) => Number(ended - from) / 1e9;
    const from = settled ?? { at: started, left: total };
    return {
      sustained: from.left / seconds(from.at),
      rate: events.length / seconds(started),
      settleSeconds: Number(from.at - started) / 1e9,
      cpuSeconds: (await cpuSeconds(ports)) - cpuBefore,
    };
  } finally {
    await run.close();
  }
}

/**
 * Built engine processes for a benchmark, as deployed (the `start:engine` node flags, default
 * settings), on groups, a journey topic, Redis keys, a queue, a database and a lake of their
 * own; the intake's consumer group starts at the current end of the event topics.
 */
export class BenchEngines {
  private readonly engines: ChildProcess[] = [];
  readonly groupId: string;
  readonly journeyTopic: string;
  readonly database: string;

  private constructor(
    readonly run: string,
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly clickhouse: ClickHouseClient,
    private readonly environment: Record<string, string>,
  ) {
    this.groupId = `${run}_engine`;
    this.journeyTopic = `${run}_journeys`;
    this.database = `${run}_ctx`;
  }

  static async prepare(settings: Record<string, string> = {}): Promise<BenchEngines> {
    const config = loadConfig();
    const run = `bench_${Date.now().toString(36)}`;
    const kafka = createKafka(config.kafka, 'bench');
    const clickhouse = createClient({ url: config.clickhouse.url });
    await clickhouse.command({ query: `CREATE DATABASE ${run}_ctx` });
    // On a broker started a moment ago, the catalogue topics may not exist yet.
    await provisionTopics(kafka, config.topics);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await Promise.all(
      TOPICS.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })),
    );
    const positions = offsets.flatMap(({ topic, ends }) =>
      ends.map((o) => ({ topic, partition: o.partition, offset: o.high })),
    );
    await commitNewGroup(kafka, `${run}_engine`, positions);
    return new BenchEngines(run, kafka, admin, clickhouse, {
      CTXB_ENGINE_GROUP_ID: `${run}_engine`,
      CTXB_LAKE_DIRECTORY: join(tmpdir(), run, 'lake'),
      CTXB_ENGINE_START_FROM_BEGINNING: 'false',
      CTXB_ENGINE_JOURNEY_TOPIC: `${run}_journeys`,
      CTXB_REDIS_KEY_PREFIX: run,
      CTXB_LINKS_QUEUE: `${run}-links`.replace(/_/g, '-'),
      CTXB_CLICKHOUSE_DATABASE: `${run}_ctx`,
      CTXB_LOG_LEVEL: 'error',
      ...settings,
    });
  }

  /** Starts `instances` engines in the one group; resolves with their ports once all are live. */
  async start(instances: number): Promise<number[]> {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: instances }, (_, i) => base + i);
    this.engines.push(
      ...(await Promise.all(
        ports.map((port) =>
          startBuiltApp(
            'engine',
            { ...this.environment, CTXB_ENGINE_HTTP_PORT: String(port) },
            port,
            engineNodeFlags(),
          ),
        ),
      )),
    );
    return ports;
  }

  /**
   * Starts the built worker app with the engines' settings (queues, Redis prefix, store), so it
   * delivers the link jobs they make; resolves once it is live.
   */
  async startWorker(settings: Record<string, string> = {}): Promise<void> {
    const port = 40_000 + Math.floor(Math.random() * 10_000);
    this.engines.push(
      await startBuiltApp(
        'worker',
        { ...this.environment, ...settings, CTXB_WORKER_HTTP_PORT: String(port) },
        port,
      ),
    );
  }

  /** The intake group's committed offsets, per topic and partition (none yet: left out). */
  async committed(topics: string[]): Promise<Ends> {
    const out: Ends = new Map();
    for (const { topic, partitions } of await this.admin.fetchOffsets({
      groupId: this.groupId,
      topics,
    }))
      out.set(
        topic,
        new Map(
          partitions
            .filter((p) => Number(p.offset) >= 0)
            .map((p) => [p.partition, Number(p.offset)]),
        ),
      );
    return out;
  }

  /** Both of the engines' consumer groups (intake and context stage) stable with `members` each. */
  async groupsStable(members: number): Promise<boolean> {
    const { intake, context } = engineConsumerGroups(this.groupId);
    const { groups } = await this.admin.describeGroups([intake, context]);
    return groups.every((g) => g.state === 'Stable' && g.members.length === members);
  }

  /** Stops the engines (and the worker) and removes everything the run made. */
  async close(): Promise<void> {
    await stopProcesses(this.engines);
    await this.admin
      .deleteTopics({ topics: [this.journeyTopic, `${this.journeyTopic}.dlq`] })
      .catch(() => undefined);
    await this.admin.disconnect();
    await this.clickhouse.command({ query: `DROP DATABASE IF EXISTS ${this.database}` });
    await rm(join(tmpdir(), this.run), { recursive: true, force: true });
    await this.clickhouse.close();
    const redis = createRedis(loadConfig().redis);
    await deleteKeysWithPrefix(redis, this.run).finally(() => redis.disconnect());
  }
}

/**
 * Commits `positions` as a new group's offsets through one short-lived member. (kafkajs's
 * admin.setOffsets takes one topic at a time and waits out a 5 s fetch for each: a minute for
 * the catalogue's topics and two groups.)
 */
async function commitNewGroup(
  kafka: Kafka,
  groupId: string,
  positions: { topic: string; partition: number; offset: string }[],
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    const topics = [...new Set(positions.map((p) => p.topic))];
    await consumer.subscribe({ topics, fromBeginning: false });
    // Joined once run resolves; nothing is consumed or committed but the positions.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    consumer.pause(topics.map((topic) => ({ topic })));
    await consumer.commitOffsets(positions);
  } finally {
    await consumer.disconnect();
  }
}

async function produce(kafka: Kafka, events: CloudEvent[]): Promise<void> {
  const producer = orderedProducer(kafka);
  await producer.connect();
  await publishEvents(producer, events);
  await producer.disconnect();
}

type Ends = Map<string, Map<number, number>>;

async function ends(kafka: Kafka, topics: string[]): Promise<Ends> {
  const admin = kafka.admin();
  await admin.connect();
  const out: Ends = new Map();
  for (const topic of topics)
    out.set(
      topic,
      new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])),
    );
  await admin.disconnect();
  return out;
}

/** Records from `from` (missing: the partition's start) to `to`, over every partition of `to`. */
function eventsBetween(from: Ends, to: Ends): number {
  let count = 0;
  for (const [topic, partitions] of to)
    for (const [partition, offset] of partitions)
      count += Math.max(0, offset - (from.get(topic)?.get(partition) ?? 0));
  return count;
}

/** CPU seconds the engine processes have used so far (prom-client's process metric). */
async function cpuSeconds(ports: number[]): Promise<number> {
  let total = 0;
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const match = /^ctxb_process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
    if (!match) throw new Error(`engine on port ${port} reports no ctxb_process_cpu_seconds_total`);
    total += Number(match[1]);
  }
  return total;
}

/** Per journey partition, the furthest position any engine reports in its metrics. */
async function journeyPositions(ports: number[]): Promise<Map<number, number>> {
  const positions = new Map<number, number>();
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const match of text.matchAll(
      /^ctxb_engine_journey_position\{[^}]*\bpartition="(\d+)"[^}]*\} (\d+)$/gm,
    )) {
      const partition = Number(match[1]);
      positions.set(partition, Math.max(positions.get(partition) ?? 0, Number(match[2])));
    }
  }
  return positions;
}

/** The node flags of `npm run start:engine` (docker/compose.yaml uses the same), so the benchmark runs the engine as deployed. */
function engineNodeFlags(): string[] {
  const root = join(__dirname, '..', '..');
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  return scripts['start:engine'].split(/\s+/).filter((word) => word.startsWith('--'));
}
