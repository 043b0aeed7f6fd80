import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { valueAt, type LinkOutcome, type LinkRequest } from '@ctxb/connector-sdk';
import {
  DeadLetters,
  LinkJobProducer,
  LinkQueueWorker,
  linkRoute,
  MAX_STALLS,
  type DeliveryAttempt,
} from '@ctxb/delivery';
import { createRedis, deleteKeysWithPrefix, redisConnectionOptions } from '@ctxb/streaming';
import { poll } from '../support/http';
import { storyCopy } from '../support/order-12345-records';
import { testConfig, uniqueName } from '../support/test-config';

/**
 * A job whose worker keeps losing it (killed, or its process blocked past the lock) is failed
 * by BullMQ itself once it stalled more often than allowed, without the queue worker's code
 * running. Such a job is dead-lettered like any other failure for good, with BullMQ's reason,
 * and a replay delivers it.
 */
describe('link jobs that stall too often (BullMQ on Redis)', () => {
  const config = testConfig();
  const prefix = uniqueName('it_stall');
  const connection = { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null };
  const bull = `${prefix}:bull`;
  const route = linkRoute(`${prefix}-links`.replace(/_/g, '-'), 'sample-erp', 'om', [
    'order.orderId',
  ]);
  const locks = { durationMs: 500, checkEveryMs: 300 };
  const attempts: DeliveryAttempt[] = [];
  const written: LinkRequest[] = [];
  let worker: LinkQueueWorker | undefined;
  const deadLetters = new DeadLetters(route.queue, connection, bull, 3600);
  const producer = new LinkJobProducer([route], connection, bull, 3600);

  afterAll(async () => {
    await worker?.close();
    await producer.close();
    await deadLetters.close();
    const redis = createRedis(config.redis);
    await deleteKeysWithPrefix(redis, prefix).finally(() => redis.disconnect());
  });

  /**
   * Loses the queue's one job `times` times: a worker that processes by hand takes it and never
   * renews its lock, and its stall check puts it back each time the lock ran out.
   */
  async function loseJob(times: number): Promise<string> {
    const careless = new Worker(route.queue, null, {
      connection,
      prefix: bull,
      autorun: false,
      lockDuration: locks.durationMs,
      stalledInterval: locks.checkEveryMs,
      maxStalledCount: MAX_STALLS,
    });
    const queue = new Queue(route.queue, { connection, prefix: bull });
    void careless.startStalledCheckTimer();
    try {
      let jobId = '';
      for (let i = 0; i < times; i++) {
        const job = await poll('the job to take', () =>
          careless.getNextJob(randomUUID(), { block: false }),
        );
        jobId = job.id!;
        await poll('the job back after its lock ran out', async () =>
          (await queue.getJobState(jobId)) === 'waiting' ? true : undefined,
        );
      }
      return jobId;
    } finally {
      await careless.close(true);
      await queue.close();
    }
  }

  /** One story copy of its own, enqueued as the engine does. */
  async function enqueue(name: string): Promise<string> {
    const orderId = `${prefix}-${name}`;
    await producer.enqueue([storyCopy(orderId)]);
    return orderId;
  }

  /** Starts a queue worker of ours, writing into `written` and journaling into `attempts`. */
  const orderOf = (r: LinkRequest) => String(valueAt(r.record, 'order.orderId'));

  function startWorker(): LinkQueueWorker {
    worker = new LinkQueueWorker({
      route,
      writer: {
        target: 'om',
        write: async (batch: readonly LinkRequest[]): Promise<LinkOutcome[]> => {
          written.push(...batch);
          return batch.map((r) => ({ status: 'written', recordIds: [orderOf(r)] }));
        },
      },
      policy: { attempts: 4, backoffMs: 50, maxBackoffMs: 200, waitForRecordMs: 60_000 },
      concurrency: 1,
      parallelWrites: 1,
      maxPerSecond: 0,
      connection,
      prefix: bull,
      locks,
      deadLetters,
      journal: { record: async (a) => void attempts.push(a) },
    });
    worker.start();
    return worker;
  }

  const journaled = (orderId: string) =>
    attempts.filter((a) => a.orderId === orderId).map((a) => [a.status, a.error]);

  it('runs a job again each time its worker lost it, up to MAX_STALLS times', async () => {
    const orderId = await enqueue('lost');
    await loseJob(MAX_STALLS);
    const running = startWorker();
    try {
      await poll('written', async () => (journaled(orderId).length > 0 ? true : undefined));
      expect(journaled(orderId)).toEqual([['written', '']]);
      expect((await deadLetters.list({ offset: 0, limit: 10 })).total).toBe(0);
    } finally {
      await running.close();
    }
  });

  it('dead-letters a job BullMQ failed for stalling once more, and delivers it on replay', async () => {
    const orderId = await enqueue('dead');
    const jobId = await loseJob(MAX_STALLS + 1);
    startWorker();
    const letter = await poll('the dead letter', async () => {
      const { letters } = await deadLetters.list({ offset: 0, limit: 10 });
      return letters[0];
    });
    expect(letter).toMatchObject({
      jobId,
      failureKind: 'unknown',
      reason: 'job stalled more than allowable limit',
    });
    expect(journaled(orderId)).toEqual([
      ['dead-lettered', 'job stalled more than allowable limit'],
    ]);
    expect(written.map((r) => orderOf(r))).not.toContain(orderId);

    expect(await deadLetters.replay([letter.id])).toEqual([letter.id]);
    await poll('written after the replay', async () =>
      journaled(orderId).length === 2 ? true : undefined,
    );
    expect(journaled(orderId)[1]).toEqual(['written', '']);
    expect(written.filter((r) => orderOf(r) === orderId)).toHaveLength(1);
  });
});
