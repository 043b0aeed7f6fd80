import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '@ctxb/config';
import { TOPICS, type CloudEvent } from '@ctxb/events';
import { createKafka, orderedProducer, publishEvents } from '@ctxb/streaming';
import type { Kafka } from 'kafkajs';

/**
 * End to end: events already on the six topics → the built engine process (intake, journey
 * topic, engines, ClickHouse, link jobs) → every offset committed. Returns events/s from the
 * moment the engine is up until both stages have caught up.
 */
export async function engineEndToEndRate(events: CloudEvent[]): Promise<number> {
  const config = loadConfig();
  const run = `bench_${Date.now().toString(36)}`;
  const groupId = `${run}_engine`;
  const journeyTopic = `${run}_journeys`;
  const database = `${run}_ctx`;
  const kafka = createKafka(config.kafka, 'bench');
  const clickhouse = createClient({ url: config.clickhouse.url });
  await clickhouse.command({ query: `CREATE DATABASE ${database}` });

  const admin = kafka.admin();
  await admin.connect();
  for (const topic of TOPICS) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })),
    });
  }
  await produce(kafka, events);
  const sourceEnds = await ends(kafka, [...TOPICS]);

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const engine = spawn(
    process.execPath,
    [join(__dirname, '..', 'apps', 'engine', 'src', 'main.js')],
    {
      env: {
        ...process.env,
        CTXB_ENGINE_HTTP_PORT: String(port),
        CTXB_ENGINE_GROUP_ID: groupId,
        CTXB_ENGINE_START_FROM_BEGINNING: 'false',
        CTXB_ENGINE_JOURNEY_TOPIC: journeyTopic,
        CTXB_REDIS_KEY_PREFIX: run,
        CTXB_LINKS_QUEUE: `${run}-links`.replace(/_/g, '-'),
        CTXB_CLICKHOUSE_DATABASE: database,
        CTXB_ENGINE_SNAPSHOT_INTERVAL_MS: '1000',
        CTXB_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await until(async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok);
    const started = process.hrtime.bigint();
    await until(() => caughtUp(admin, groupId, sourceEnds), 600_000);
    const journeyEnds = await ends(kafka, [journeyTopic]);
    await until(() => caughtUp(admin, `${groupId}.context`, journeyEnds), 600_000);
    return events.length / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await new Promise((resolve) => {
      engine.once('exit', resolve);
      engine.kill('SIGTERM');
    });
    await admin
      .deleteTopics({ topics: [journeyTopic, `${journeyTopic}.dlq`] })
      .catch(() => undefined);
    await admin.disconnect();
    await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse.close();
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

async function caughtUp(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  target: Ends,
): Promise<boolean> {
  for (const [topic, partitions] of target) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const [partition, end] of partitions) {
      const at = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      if (end > 0 && at < end) return false;
    }
  }
  return true;
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
