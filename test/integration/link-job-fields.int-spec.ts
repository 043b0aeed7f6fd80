import type { LinkOutcome, LinkRequest } from '@ctxb/connector-sdk';
import type { ContextRecord } from '@ctxb/context';
import {
  DeadLetters,
  LinkJobProducer,
  LinkQueueWorker,
  linkRoute,
  type DeliveryAttempt,
} from '@ctxb/delivery';
import { createRedis, deleteKeysWithPrefix, redisConnectionOptions } from '@ctxb/streaming';
import { poll } from '../support/http';
import { storyCopy } from '../support/order-12345-records';
import { testConfig, uniqueName } from '../support/test-config';

/**
 * A link job carries the fields its target reads. A job queued before the target's profile
 * mapped one more path lacks it: the worker reads that version from the store instead, and
 * dead-letters the job with the reason when the store does not have it.
 */
describe('link jobs carrying the fields their target reads (BullMQ on Redis)', () => {
  const config = testConfig();
  const prefix = uniqueName('it_fields');
  const connection = { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null };
  const bull = `${prefix}:bull`;
  const queues = `${prefix}-links`.replace(/_/g, '-');
  // The profile as the engine read it when it queued the jobs, and as the worker reads it now.
  const before = linkRoute(queues, 'sample-erp', 'om', ['order.orderId']);
  const now = linkRoute(queues, 'sample-erp', 'om', ['order.orderId', 'sessions.count']);
  const stored = new Map<string, ContextRecord>();
  const written: LinkRequest[] = [];
  const attempts: DeliveryAttempt[] = [];
  const deadLetters = new DeadLetters(now.queue, connection, bull, 3600);
  let worker: LinkQueueWorker | undefined;

  beforeAll(() => {
    worker = new LinkQueueWorker({
      route: now,
      writer: {
        target: 'om',
        write: async (batch: readonly LinkRequest[]): Promise<LinkOutcome[]> => {
          written.push(...batch);
          return batch.map(() => ({ status: 'written', recordIds: [] }));
        },
      },
      policy: { attempts: 2, backoffMs: 50, maxBackoffMs: 100, waitForRecordMs: 60_000 },
      concurrency: 4,
      parallelWrites: 1,
      maxPerSecond: 0,
      connection,
      prefix: bull,
      deadLetters,
      journal: { record: async (a) => void attempts.push(a) },
      storedRecord: async (reference, version) => {
        const record = stored.get(reference);
        return record?.version === version ? record : undefined;
      },
    });
    worker.start();
  });

  afterAll(async () => {
    await worker?.close();
    await deadLetters.close();
    const redis = createRedis(config.redis);
    await deleteKeysWithPrefix(redis, prefix).finally(() => redis.disconnect());
  });

  async function enqueue(route: typeof now, record: ContextRecord): Promise<void> {
    const producer = new LinkJobProducer([route], connection, bull, 3600);
    try {
      await producer.enqueue([record]);
    } finally {
      await producer.close();
    }
  }

  const outcome = (orderId: string) =>
    poll(`the outcome for ${orderId}`, async () =>
      attempts.find((a) => a.orderId === orderId && a.status !== 'retrying'),
    );
  const writtenFor = (record: ContextRecord) =>
    written.find((r) => r.contextReferenceId === record.contextReferenceId);

  it('gives the writer the fields a job carries, when they are all the target reads', async () => {
    const record = storyCopy(`${prefix}-current`);
    await enqueue(now, record);
    expect((await outcome(record.order.orderId)).status).toBe('written');
    expect(writtenFor(record)?.record).toEqual({
      'order.orderId': record.order.orderId,
      'sessions.count': 5,
    });
  });

  it('reads a version from the store when its job lacks a path the target reads now', async () => {
    const record = storyCopy(`${prefix}-older`);
    stored.set(record.contextReferenceId, record);
    await enqueue(before, record);
    expect((await outcome(record.order.orderId)).status).toBe('written');
    expect(writtenFor(record)?.record).toEqual(record);
  });

  it('dead-letters such a job, with the reason, when the store lacks its version', async () => {
    const record = storyCopy(`${prefix}-unstored`);
    await enqueue(before, record);
    const last = await outcome(record.order.orderId);
    expect(last).toMatchObject({ status: 'dead-lettered', failureKind: 'configuration' });
    expect(last.error).toMatch(/queued before the profile mapped sessions\.count/);
    expect(writtenFor(record)).toBeUndefined();
    // The letter is kept last, after the journal.
    const letter = await poll('the dead letter', async () => {
      const { letters } = await deadLetters.list({ offset: 0, limit: 10 });
      return letters.find((l) => l.data.orderId === record.order.orderId);
    });
    expect(letter.data.fields).toEqual({ 'order.orderId': record.order.orderId });
  });
});
