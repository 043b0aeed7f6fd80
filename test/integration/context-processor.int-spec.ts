import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import type { ContextRecord } from '@ctxb/context';
import { exampleEvent } from '@ctxb/events';
import { generateTraffic } from '@ctxb/simulation';
import { ContextRecordStore, createClickHouse } from '@ctxb/store';
import {
  createKafka,
  engineConsumerGroups,
  journeyPartitionCount,
  orderedProducer,
  provisionTopics,
} from '@ctxb/streaming';
import { contextOptionsFrom } from '../../apps/engine/src/context/context-options.factory';
import {
  ContextProcessor,
  type ContextProcessorHooks,
  type ContextSink,
} from '../../apps/engine/src/context/context-processor';
import { EngineSnapshots } from '@ctxb/engine-state';
import { JourneyDirectory } from '../../apps/engine/src/routing/journey-directory';
import { JourneyRouter } from '../../apps/engine/src/routing/journey-router';
import { poll } from '../support/http';
import {
  createTestDatabase,
  dropTestState,
  engineTestConfig,
  storedContexts,
} from '../support/engine-test';
import { uniqueName } from '../support/test-config';
import { readJourneyLog, replayJourneyLog } from '../support/journey-log';

const config = engineTestConfig((c) => {
  c.engine.snapshotIntervalMs = 300;
});
const options = contextOptionsFrom(config);
const kafka = createKafka(config.kafka, 'test');
const logger = new Logger('test');
logger.log = () => undefined;

const key = (r: { contextReferenceId: string; version: number }) =>
  `${r.contextReferenceId}#${r.version}`;

describe('context processor in a consumer group', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis({ host: config.redis.host, port: config.redis.port });
    await createTestDatabase(config);
    await provisionTopics(kafka, config.topics, undefined, [config.engine.journeyTopic]);
    await new ContextRecordStore(createClickHouse(config.clickhouse)).ensureSchema();
  });

  /** 12 days of generated traffic, routed onto the journey topic as the intake routes it. */
  async function writeJourneyLog(): Promise<void> {
    const producer = orderedProducer(kafka);
    await producer.connect();
    const router = new JourneyRouter(
      new JourneyDirectory(redis, config.redis.keyPrefix, 86_400),
      producer,
      config.engine.journeyTopic,
      options,
    );
    router.useJourneyPartitions(await journeyPartitionCount(kafka, config.engine.journeyTopic));
    for (const chunk of generateTraffic({
      seed: 11,
      journeys: 400,
      start: '2026-04-01',
      days: 12,
      includeStory: true,
    }))
      await router.route(chunk.map((event) => ({ event })));
    await producer.disconnect();
  }
  afterAll(async () => {
    redis.disconnect();
    await dropTestState(config);
  });

  /** Saves by kind, of both processors: the whole state, or the changes since the last save. */
  const saves = { whole: 0, changes: 0 };

  /** A processor writing to the real store, a little slowly so the test can stop it mid-stream. */
  function processor(written: { count: number }, onWrite: () => void): ContextProcessor {
    const clickhouse = createClickHouse(config.clickhouse);
    const store = new ContextRecordStore(clickhouse);
    return new ContextProcessor(
      kafka,
      {
        groupId: engineConsumerGroups(config.engine.groupId).context,
        topic: config.engine.journeyTopic,
        sessionTimeoutMs: config.engine.sessionTimeoutMs,
        snapshotIntervalMs: config.engine.snapshotIntervalMs,
        partitionsInParallel: config.engine.partitionsInParallel,
        context: options,
      },
      new EngineSnapshots(redis, config.redis.keyPrefix),
      {
        write: async (records) => {
          await new Promise((r) => setTimeout(r, 40));
          await store.write(records);
          written.count += records.length;
          onWrite();
        },
      },
      orderedProducer(kafka),
      logger,
      { snapshot: (_, saved) => saves[saved.whole ? 'whole' : 'changes']++ },
    );
  }

  it('two instances, one stopped mid-stream, store exactly what one uninterrupted engine makes', async () => {
    const byFirst = { count: 0 };
    const bySecond = { count: 0 };
    // The moment both have written, the second is stopped (not after a poll: with several
    // partitions in parallel the stream can be through by then).
    let bothWriting!: () => void;
    const both = new Promise<void>((resolve) => (bothWriting = resolve));
    const onWrite = () => {
      if (byFirst.count > 0 && bySecond.count > 0) bothWriting();
    };
    const first = processor(byFirst, onWrite);
    const second = processor(bySecond, onWrite);
    await first.start();
    await second.start();
    await waitForMembers(engineConsumerGroups(config.engine.groupId).context, 2);
    await writeJourneyLog();

    // Both work; then the second leaves and its partitions move to the first.
    await both;
    // Counted as the second is told to stop: it finishes the writes it has in flight, and
    // the first goes on meanwhile.
    const stoppedAt = byFirst.count + bySecond.count;
    await second.stop();
    const expected = replayJourneyLog(
      await readJourneyLog(kafka, config.engine.journeyTopic),
      options,
    );
    expect(expected.length).toBeGreaterThan(200);
    const stored = await poll(
      'all contexts stored',
      async () => {
        const rows = await storedContexts(config);
        return rows.length >= expected.length ? rows : undefined;
      },
      90_000,
    );
    await first.stop();
    expect(stoppedAt).toBeLessThan(expected.length);

    const want = new Map(expected.map((r: ContextRecord) => [key(r), JSON.stringify(r)]));
    const got = new Map(stored.map((r) => [key(r), r.record]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, record] of want) expect(got.get(k)).toBe(record);
    // The partitions moved with state saved as changes after a whole.
    expect(saves.whole).toBeGreaterThan(0);
    expect(saves.changes).toBeGreaterThan(0);
  });
});

describe('context processor saving', () => {
  const topic = uniqueName('test_journeys_saving');
  const groupId = uniqueName('test_saving');
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis({ host: config.redis.host, port: config.redis.port });
    await provisionTopics(kafka, config.topics, undefined, [topic]);
  });
  afterAll(async () => {
    redis.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /** A processor of one partition at a time that saves every 100 ms, started and in its group. */
  async function savingProcessor(
    on: { topic: string; groupId: string },
    snapshots: EngineSnapshots,
    sink: ContextSink,
    hooks: ContextProcessorHooks,
  ): Promise<ContextProcessor> {
    const processor = new ContextProcessor(
      kafka,
      {
        ...on,
        sessionTimeoutMs: config.engine.sessionTimeoutMs,
        snapshotIntervalMs: 100,
        partitionsInParallel: 1,
        context: options,
      },
      snapshots,
      sink,
      orderedProducer(kafka),
      logger,
      hooks,
    );
    await processor.start();
    await waitForMembers(on.groupId, 1);
    return processor;
  }

  /**
   * Page views `<name>-0` … of device `anon-<name>` into partition 0 of `topic`, one record at
   * a time, 150 ms apart, so that each is a batch of its own and a save falls due from the
   * second on.
   */
  async function sendApart(topic: string, name: string, count: number): Promise<void> {
    const producer = orderedProducer(kafka);
    await producer.connect();
    try {
      for (let i = 0; i < count; i++) {
        const event = exampleEvent('page.viewed', {
          id: `${name}-${i}`,
          anonymousid: `anon-${name}`,
          time: new Date(Date.UTC(2026, 3, 1, 10, i)).toISOString(),
        });
        await producer.send({
          topic,
          messages: [{ partition: 0, key: `d:anon-${name}`, value: JSON.stringify(event) }],
        });
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      await producer.disconnect();
    }
  }

  it("folds the next batches in while a save waits for the partition's writes", async () => {
    // Every write hangs until the gate opens, so a save started meanwhile cannot finish.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let folded = 0;
    const processor = await savingProcessor(
      { topic, groupId },
      new EngineSnapshots(redis, uniqueName('ctxb_test_saving')),
      { write: () => gate },
      { batch: () => folded++ },
    );
    try {
      await sendApart(topic, 'saving', 10);
      // A batch that waited for its save would have stopped the partition at the second.
      // Batches go on until the writes in flight hold them back (at the eighth).
      await poll('batches folded beside the waiting save', async () =>
        folded >= 7 ? true : undefined,
      );
      // None of it saved yet: a restart would fold it all in again, and the metric says so.
      expect(processor.unsaved().get(0)).toBeGreaterThanOrEqual(7);
    } finally {
      open();
      await processor.stop();
    }
  });

  it('after a save that failed saves the whole again, and Redis then restores every event', async () => {
    // Real Redis, with one fault: the first save of changes fails as a lost connection would.
    const calls: string[] = [];
    class FlakySnapshots extends EngineSnapshots {
      override async save(...args: Parameters<EngineSnapshots['save']>) {
        calls.push('whole');
        return super.save(...args);
      }
      override async saveChanges(...args: Parameters<EngineSnapshots['saveChanges']>) {
        if (!calls.includes('changes failed')) {
          calls.push('changes failed');
          throw new Error('Connection is closed.');
        }
        calls.push('changes');
        return super.saveChanges(...args);
      }
    }
    let failed = 0;
    const prefix = uniqueName('ctxb_test_flaky');
    const flakyGroup = uniqueName('test_flaky');
    const partitionTopic = uniqueName('test_journeys_flaky');
    await provisionTopics(kafka, config.topics, undefined, [partitionTopic]);
    const processor = await savingProcessor(
      { topic: partitionTopic, groupId: flakyGroup },
      new FlakySnapshots(redis, prefix),
      { write: () => Promise.resolve() },
      { saveFailed: () => failed++ },
    );
    const events = 8;
    try {
      await sendApart(partitionTopic, 'flaky', events);
      await poll('changes saved after the failure', async () =>
        calls.lastIndexOf('changes') > calls.indexOf('changes failed') ? true : undefined,
      );
    } finally {
      await processor.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [partitionTopic] }).catch(() => undefined);
      await admin.disconnect();
    }
    expect(failed).toBe(1);
    expect(calls[0]).toBe('whole');
    expect(calls[calls.indexOf('changes failed') + 1]).toBe('whole');
    const saved = (await new EngineSnapshots(redis, prefix).load(partitionTopic, 0))!;
    expect(saved.offset).toBe(events - 1);
    expect(saved.state.facts.map((f) => f.key).sort()).toEqual(
      Array.from({ length: events }, (_, i) => `https://shop.example.com\u0000flaky-${i}`).sort(),
    );
  });
});

async function waitForMembers(groupId: string, members: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await poll(
    `${members} members in ${groupId}`,
    async () => {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]?.state === 'Stable' && groups[0].members.length === members
        ? true
        : undefined;
    },
    60_000,
  );
  await admin.disconnect();
}
