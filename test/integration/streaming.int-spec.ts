import Redis from 'ioredis';
import { Logger } from '@nestjs/common';
import { KafkaJSNonRetriableError, Partitioners, type Kafka } from 'kafkajs';
import {
  DeadLetterHeader,
  deadLetterTopic,
  EVENT_CATALOGUE,
  exampleEvent,
  TOPICS,
  type CloudEvent,
} from '@ctxb/events';
import {
  BatchingPublisher,
  createKafka,
  deduplicationKey,
  deleteKeysWithPrefix,
  desiredTopics,
  encodeEvent,
  ensureTopics,
  EventDeduplicator,
  restartAfterCrash,
  sendUnmerge,
  startWhenKafkaIsReachable,
  StartRefusedError,
  ValidatingEventConsumer,
  type ConsumeOutcome,
} from '@ctxb/streaming';
import { deferred } from '../support/deferred';
import { poll } from '../support/http';
import { readJourneyLog } from '../support/journey-log';
import { createTestTopics, deleteTestTopics } from '../support/kafka-topics';
import { testConfig, uniqueName } from '../support/test-config';

const config = testConfig();

function kafkaClient(): Kafka {
  return createKafka(config.kafka, 'test');
}

async function readAll(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000) {
  const consumer = kafka.consumer({ groupId: uniqueName('it_reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${messages.length}/${count} messages on ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const headers = Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
            );
            messages.push({
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? '',
              headers,
            });
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('topic provisioning', () => {
  it('creates the catalogue topics and their dead-letter twins, idempotently', async () => {
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      await ensureTopics(admin, config.topics);
      const second = await ensureTopics(admin, config.topics);
      expect(second.created).toEqual([]);
      expect(second.grown).toEqual([]);
      expect(second.unchanged.sort()).toEqual(
        desiredTopics(config.topics)
          .map((t) => t.topic)
          .sort(),
      );

      const metadata = await admin.fetchTopicMetadata({ topics: [...TOPICS] });
      for (const topic of metadata.topics)
        expect(topic.partitions.length).toBeGreaterThanOrEqual(config.topics.partitions);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: deadLetterTopic(TOPICS[0]), configNames: ['retention.ms'] }],
      });
      expect(described.resources[0].configEntries[0].configValue).toBe(
        String(config.topics.deadLetterRetentionHours * 3_600_000),
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('never grows an internal topic: journeys stay on the partitions their state is saved for', async () => {
    expect(config.topics.partitions).toBeGreaterThan(1);
    const kafka = kafkaClient();
    const journeys = uniqueName('it_journeys');
    await createTestTopics(kafka, [{ topic: journeys, numPartitions: 1 }]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const report = await ensureTopics(admin, config.topics, [journeys]);
      expect(report.grown).not.toContain(journeys);
      expect(report.kept).toEqual([{ topic: journeys, partitions: 1 }]);
      // Its dead-letter twin was missing: created like any other topic.
      expect(report.created).toEqual([deadLetterTopic(journeys)]);
      const { topics } = await admin.fetchTopicMetadata({
        topics: [journeys, deadLetterTopic(journeys)],
      });
      const partitions = new Map(topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions.get(journeys)).toBe(1);
      expect(partitions.get(deadLetterTopic(journeys))).toBe(config.topics.partitions);
    } finally {
      await admin.disconnect();
      await deleteTestTopics(kafka, [journeys, deadLetterTopic(journeys)]);
    }
  });
});

describe('startWhenKafkaIsReachable', () => {
  it('reports a refused start as refused, not as Kafka away, and tries it again', async () => {
    const logged: [string, unknown, unknown][] = [];
    const record = (level: string) => (fields: unknown, message: unknown) =>
      logged.push([level, fields, message]);
    const logger = { log: record('log'), warn: record('warn'), error: record('error') };
    let attempts = 0;
    await startWhenKafkaIsReachable(
      kafkaClient(),
      config.topics,
      () => {
        attempts++;
        return attempts === 1
          ? Promise.reject(new StartRefusedError('the journey topic has 12 partitions, not 6'))
          : Promise.resolve();
      },
      logger as unknown as Logger,
      () => false,
    );
    expect(attempts).toBe(2);
    expect(logged).toEqual([
      [
        'error',
        { err: 'the journey topic has 12 partitions, not 6', retryInMs: 500 },
        'not starting',
      ],
    ]);
  });
});

describe('BatchingPublisher', () => {
  it('coalesces concurrent publishes into fewer Kafka requests and delivers every message', async () => {
    const kafka = kafkaClient();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('it_batch');
    await createTestTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sendBatch = jest.spyOn(producer, 'sendBatch');
    const publisher = new BatchingPublisher(producer, { lingerMs: 20, maxBatchMessages: 1000 });

    await Promise.all(
      Array.from({ length: 50 }, (_, call) =>
        publisher.publish(
          [0, 1].map((i) => ({ topic, message: { key: 'k', value: `${call}-${i}` } })),
        ),
      ),
    );
    expect(sendBatch.mock.calls.length).toBeLessThan(5);
    const received = await readAll(kafka, topic, 100);
    expect(new Set(received.map((m) => m.value)).size).toBe(100);
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
});

describe('EventDeduplicator', () => {
  it('claims a (source, id) once per window and can release it', async () => {
    const redis = new Redis({ host: config.redis.host, port: config.redis.port });
    const dedup = new EventDeduplicator(redis, uniqueName('ctxb:test:dedup'), 60_000);
    const a = deduplicationKey('https://shop', 'evt-1');
    const b = deduplicationKey('https://shop', 'evt-2');
    expect(await dedup.claim([a, b])).toEqual([true, true]);
    expect(await dedup.claim([a])).toEqual([false]);
    await dedup.release([a]);
    expect(await dedup.claim([a, b])).toEqual([true, false]);
    expect(deduplicationKey('a', 'bc')).not.toBe(deduplicationKey('ab', 'c'));
    // A restarted Redis has forgotten the script: ioredis loads it again.
    await redis.script('FLUSH');
    expect(await dedup.claim([b, deduplicationKey('https://shop', 'evt-3')])).toEqual([
      false,
      true,
    ]);
    redis.disconnect();
  });

  it('hashes long pairs to a bounded key, keeping them apart', () => {
    const long = 'x'.repeat(300);
    expect(deduplicationKey('https://shop', long)).toMatch(/^#[\w-]{43}$/);
    expect(deduplicationKey('https://shop', long)).not.toBe(
      deduplicationKey('https://shop', `${long}y`),
    );
    expect(deduplicationKey('https://shop', 'evt-1')).toBe('12:https://shopevt-1');
  });
});

describe.each(['one event', 'a batch'])(
  'ValidatingEventConsumer handling %s at a time, with poison messages',
  (mode) => {
    it('dead-letters malformed JSON, invalid events and failing handlers with reasons, and processes what follows', async () => {
      const kafka = kafkaClient();
      const admin = kafka.admin();
      await admin.connect();
      const topic = uniqueName('it_intake');
      await createTestTopics(
        kafka,
        [topic, deadLetterTopic(topic)].map((t) => ({ topic: t, numPartitions: 1 })),
      );

      const valid = (id: string): CloudEvent => exampleEvent('page.viewed', { id });
      const invalid = exampleEvent('order.placed', { id: 'bad-money' });
      invalid.data.total = 249.9;
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const entry = EVENT_CATALOGUE.get('page.viewed')!;
      await producer.send({
        topic,
        messages: [
          { key: 'anon-1', value: '{"specversion": "1.0", "id": ' },
          encodeEvent(valid('first'), entry),
          { key: 'anon-1', value: JSON.stringify(invalid) },
          encodeEvent(valid('explodes'), entry),
          {
            // binary mode: attributes in ce_ headers, data in the value
            key: 'anon-1',
            value: JSON.stringify(valid('binary').data),
            headers: {
              ce_specversion: '1.0',
              ce_id: 'binary',
              ce_source: 'https://shop.example.com',
              ce_type: 'page.viewed',
              ce_time: '2026-03-14T16:05:00Z',
              ce_anonymousid: 'anon-1',
              'content-type': 'application/json',
            },
          },
          encodeEvent(valid('first'), entry), // a redelivery: taken once
          encodeEvent(valid('last'), entry),
        ],
      });
      await producer.disconnect();

      const handled: string[] = [];
      const outcomes: ConsumeOutcome[] = [];
      const redis = new Redis({ host: config.redis.host, port: config.redis.port });
      const consumer = new ValidatingEventConsumer(kafka, {
        groupId: uniqueName('it_intake_group'),
        topics: [topic],
        handlerRetries: 2,
        retryBackoffMs: 10,
        deduplicator: new EventDeduplicator(redis, uniqueName('ctxb:test:dedup'), 60_000),
        onOutcome: (_topic, outcome, count = 1) => {
          for (let i = 0; i < count; i++) outcomes.push(outcome);
        },
        handler:
          mode === 'one event'
            ? async (event) => {
                if (event.id === 'explodes') throw new Error('handler exploded');
                handled.push(event.id);
              }
            : {
                // All or nothing, as a handler that writes the batch in one request would be.
                batch: async (events) => {
                  if (events.some((e) => e.event.id === 'explodes'))
                    throw new Error('handler exploded');
                  handled.push(...events.map((e) => e.event.id));
                },
              },
      });
      await consumer.start();
      const deadLetters = await readAll(kafka, deadLetterTopic(topic), 3);
      const deadline = Date.now() + 20_000;
      while (outcomes.length < 7 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await consumer.stop();
      redis.disconnect();

      expect(handled).toEqual(['first', 'binary', 'last']);
      const expected = [
        'parse',
        'handled',
        'validate',
        'handler',
        'handled',
        'duplicate',
        'handled',
      ];
      if (mode === 'one event') expect(outcomes).toEqual(expected);
      else expect([...outcomes].sort()).toEqual([...expected].sort());
      const byStage = Object.fromEntries(
        deadLetters.map((m) => [m.headers[DeadLetterHeader.Stage], m]),
      );
      expect(byStage.parse.headers[DeadLetterHeader.Reason]).toMatch(/not valid JSON/);
      expect(byStage.parse.headers[DeadLetterHeader.OriginalOffset]).toBe('0');
      expect(byStage.validate.headers[DeadLetterHeader.Reason]).toBe(
        'data.total: total must be a decimal string such as "19.99", not a number (floats lose cents)',
      );
      expect(byStage.validate.value).toBe(JSON.stringify(invalid));
      expect(byStage.handler.headers[DeadLetterHeader.Reason]).toBe('handler exploded');
      for (const record of deadLetters) {
        expect(record.headers[DeadLetterHeader.OriginalTopic]).toBe(topic);
        expect(record.headers[DeadLetterHeader.OriginalPartition]).toBe('0');
        expect(record.key).toBe('anon-1');
      }
      await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] });
      await admin.disconnect();
    });
  },
);

describe('ValidatingEventConsumer with work kept beside the handler', () => {
  it('reads on while a batch is being kept, commits only what is kept, and reads again what was not', async () => {
    const kafka = kafkaClient();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('it_keep');
    const groupId = uniqueName('it_keep_group');
    await createTestTopics(
      kafka,
      [topic, deadLetterTopic(topic)].map((t) => ({ topic: t, numPartitions: 1 })),
    );
    const entry = EVENT_CATALOGUE.get('page.viewed')!;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const send = (ids: string[]) =>
      producer.send({
        topic,
        acks: -1,
        messages: ids.map((id) => encodeEvent(exampleEvent('page.viewed', { id }), entry)),
      });
    const committed = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Number(offsets.partitions[0].offset);
    };
    /** A consumer whose keep waits for `gates` in turn (then keeps at once); what it saw. */
    const consumer = (gates: Promise<void>[]) => {
      const handled: string[] = [];
      const kept: string[] = [];
      const instance = new ValidatingEventConsumer(kafka, {
        groupId,
        topics: [topic],
        handlerRetries: 0,
        retryBackoffMs: 10,
        handler: { batch: async (events) => void handled.push(...events.map((e) => e.event.id)) },
        keep: async (events) => {
          await gates.shift();
          for (const e of events) {
            // The record's text as it was read comes along.
            expect(JSON.parse(e.json!)).toEqual(e.event);
            kept.push(e.event.id);
          }
        },
      });
      return { instance, handled, kept };
    };
    const until = (what: string, check: () => Promise<boolean> | boolean) =>
      poll(what, async () => ((await check()) ? true : undefined), 30_000);

    const first = deferred();
    const one = consumer([first.promise]);
    await one.instance.start();
    await send(['a', 'b']);
    await until('a and b handled', () => one.handled.length === 2);
    // Reading goes on while the first batch is still being kept...
    await send(['c']);
    await until('c handled and kept', () => one.kept.includes('c'));
    // ... and nothing is committed until it is, though the batch after it is kept.
    await new Promise((r) => setTimeout(r, 500));
    expect(await committed()).toBe(-1);
    first.resolve();
    await until('a, b and c committed', async () => (await committed()) === 3);
    expect(one.kept).toEqual(['c', 'a', 'b']);

    // A batch never kept (the archive closing with the app) is not committed ...
    const never = deferred();
    const stuck = consumer([never.promise]);
    await one.instance.stop();
    await stuck.instance.start();
    await send(['d']);
    await until('d handled', () => stuck.handled.includes('d'));
    never.reject(new Error('archive closed'));
    await stuck.instance.stop();
    expect(await committed()).toBe(3);
    // ... so the next member of the group reads it again.
    const next = consumer([]);
    await next.instance.start();
    await until('d kept after the restart', () => next.kept.includes('d'));
    await until('d committed', async () => (await committed()) === 4);
    await next.instance.stop();
    expect(next.handled).toEqual(['d']);

    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] });
    await admin.disconnect();
  });
});

describe('restartAfterCrash', () => {
  it('brings a consumer back after a crash kafkajs itself would not restart from', async () => {
    const kafka = kafkaClient();
    const topic = uniqueName('it_crash');
    await createTestTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('it_crash') });
    const crashes: boolean[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.restart));
    const seen: string[] = [];
    let failed = false;
    let stopping = false;
    const consume = async () => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          if (!failed) {
            failed = true;
            // What kafkajs raises for e.g. a commit refused with UNKNOWN_MEMBER_ID.
            throw new KafkaJSNonRetriableError('the coordinator is not aware of this member');
          }
          seen.push(message.value!.toString());
          return Promise.resolve();
        },
      });
    };
    restartAfterCrash(consumer, consume, new Logger('test'), () => stopping);
    await consume();
    try {
      await poll('consumed after the crash', async () => (seen.length >= 2 ? true : undefined));
      expect(crashes).toEqual([false]);
      expect(seen).toEqual(['a', 'b']);
    } finally {
      stopping = true;
      await consumer.disconnect();
      await deleteTestTopics(kafka, [topic]);
    }
  });
});

describe('deleteKeysWithPrefix', () => {
  it('deletes every key under the prefix, page by page, and nothing else — glob characters included', async () => {
    const redis = new Redis({ host: config.redis.host, port: config.redis.port });
    const base = uniqueName('it_prefix');
    const prefix = `${base}*[x]?:`;
    const sibling = `${base}QQxZ:keep`; // what the prefix read as a glob would match too
    try {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 2_500; i++) pipeline.set(`${prefix}${i}`, 'v');
      pipeline.set(sibling, 'keep');
      await pipeline.exec();
      expect(await deleteKeysWithPrefix(redis, prefix)).toBe(2_500);
      expect(await redis.exists(`${prefix}0`, `${prefix}2499`)).toBe(0);
      expect(await redis.get(sibling)).toBe('keep');
      await expect(deleteKeysWithPrefix(redis, '')).rejects.toThrow(/prefix is empty/);
    } finally {
      await redis.del(sibling);
      redis.disconnect();
    }
  });
});

describe('sendUnmerge', () => {
  it('puts one unmerge command on every journey partition, in the form the engine reads', async () => {
    const kafka = kafkaClient();
    const topic = uniqueName('it_journeys');
    await createTestTopics(kafka, [{ topic, numPartitions: 3 }]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await sendUnmerge(producer, topic, 3, 'anon-7', 'cust-9');
      const log = await readJourneyLog(kafka, topic);
      expect([...log.keys()].sort()).toEqual([0, 1, 2]);
      for (const messages of log.values())
        expect(messages).toEqual([
          { key: '', value: '{"anonymousId":"anon-7","customerId":"cust-9"}', command: 'unmerge' },
        ]);
    } finally {
      await producer.disconnect();
      await deleteTestTopics(kafka, [topic]);
    }
  });
});
