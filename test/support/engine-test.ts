import { createClient } from '@clickhouse/client';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { ContextRecord } from '@ctxb/context';
import type { AppConfig } from '@ctxb/config';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { ContextRecordStore, createClickHouse } from '@ctxb/store';
import {
  createRedis,
  deleteKeysWithPrefix,
  orderedProducer,
  publishEvents,
  waitForStableGroups,
} from '@ctxb/streaming';
import { engineApp } from '../../apps/engine/src/engine.app';
import { holdEventTimeLock } from './event-time-lock';
import { startInProcess, type RunningApp } from './http';
import { testConfig, uniqueName } from './test-config';

/**
 * An engine configuration of its own: consumer groups, journey topic, Redis keys, link queue
 * and ClickHouse database no other test shares. Source topics are shared, so the intake starts
 * at their end.
 */
export function engineTestConfig(change: (config: AppConfig) => void = () => undefined): AppConfig {
  return testConfig((c) => {
    c.engine.groupId = uniqueName('test_engine');
    c.engine.startFromBeginning = false;
    c.engine.journeyTopic = uniqueName('test_journeys');
    c.engine.snapshotIntervalMs = 500;
    c.engine.sessionTimeoutMs = 6_000;
    // Tests beside each other keep apart in event time by eras far ahead (see
    // holdEventTimeLock); the intake takes them.
    c.engine.futureToleranceSeconds = 3_155_760_000;
    c.redis.keyPrefix = uniqueName('ctxb_test');
    c.links.queue = uniqueName('test-links').replace(/_/g, '-');
    c.clickhouse.database = uniqueName('test_ctx');
    change(c);
  });
}

/** Creates the test's ClickHouse database (the engine creates its tables). */
export async function createTestDatabase(config: AppConfig): Promise<void> {
  const client = createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
  });
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.clickhouse.database}` });
  await client.close();
}

/**
 * The engine app in this process over the test's own database, while the test holds the
 * event-time lock; closing stops it, gives the lock back and removes the test's state.
 */
export async function startTestEngine(config: AppConfig): Promise<RunningApp> {
  const release = await holdEventTimeLock(config);
  try {
    await createTestDatabase(config);
    const app = await startInProcess(engineApp, config);
    return {
      url: app.url,
      close: async () => {
        await app.close();
        await release();
        await dropTestState(config);
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Removes what the test left: its ClickHouse database and every Redis key under its prefix. */
export async function dropTestState(config: AppConfig): Promise<void> {
  const client = createClient({ url: config.clickhouse.url });
  await client.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` });
  await client.close();
  const redis = createRedis(config.redis);
  try {
    await deleteKeysWithPrefix(redis, config.redis.keyPrefix);
  } finally {
    redis.disconnect();
  }
}

/** Writes events to their catalogue topics with their catalogue keys, as a shop backend would. */
export async function produceEvents(kafka: Kafka, events: readonly CloudEvent[]): Promise<void> {
  const producer = orderedProducer(kafka);
  await producer.connect();
  await publishEvents(producer, events);
  await producer.disconnect();
}

/**
 * Writes records as they are to one topic, acknowledged by every replica: what a producer of
 * its own writes, valid events or not (a poison record, say).
 */
export async function produceRecords(
  kafka: Kafka,
  topic: string,
  messages: Message[],
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

/** Waits until every consumer group is stable (joined, partitions assigned). */
export async function waitForGroups(kafka: Kafka, groupIds: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitForStableGroups(admin, groupIds);
  } finally {
    await admin.disconnect();
  }
}

/** Stored context versions by reference, each parsed. */
export async function storedContexts(config: AppConfig) {
  const client = createClickHouse(config.clickhouse);
  try {
    const rows = await new ContextRecordStore(client).allVersions();
    return rows.map((r) => ({ ...r, parsed: JSON.parse(r.record) as ContextRecord }));
  } finally {
    await client.close();
  }
}

/**
 * The order-12345 story with its event ids, order, device and customer prefixed by `run`
 * (other tests write the story, or examples about order 12345, to the same topics), and its
 * times moved on by `laterByDays`.
 */
export function storyOfRun(run: string, laterByDays = 0) {
  const ids = [ORDER_12345.orderId, ORDER_12345.anonymousId, ORDER_12345.customerId];
  const later = (time: string) => new Date(Date.parse(time) + laterByDays * 86_400_000);
  const events = order12345Events().map((e) => {
    let text = JSON.stringify({ ...e, id: `${run}-${e.id}`, time: later(e.time).toISOString() });
    for (const id of ids)
      text = text.split(JSON.stringify(id)).join(JSON.stringify(`${run}-${id}`));
    return JSON.parse(text) as CloudEvent;
  });
  return {
    events,
    orderId: `${run}-${ORDER_12345.orderId}`,
    anonymousId: `${run}-${ORDER_12345.anonymousId}`,
    customerId: `${run}-${ORDER_12345.customerId}`,
  };
}

/**
 * The story's device back a day after the last of `events`: event time moves on past the
 * story, so its last versions are due.
 */
export function returningVisit(
  events: readonly CloudEvent[],
  anonymousId: string,
  id: string,
): CloudEvent {
  const last = Math.max(...events.map((e) => Date.parse(e.time)));
  return exampleEvent('page.viewed', {
    id,
    anonymousid: anonymousId,
    time: new Date(last + 86_400_000).toISOString(),
  });
}
