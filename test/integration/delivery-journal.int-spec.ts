import type { DeliveryAttempt } from '@ctxb/delivery';
import { ContextRecordStore, DeliveryLogStore, ErpAmountStore } from '@ctxb/store';
import { createRedis } from '@ctxb/streaming';
import { StoreJournal } from '../../apps/worker/src/delivery/store-journal';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { poll } from '../support/http';
import { testConfig, uniqueName } from '../support/test-config';

describe('delivery journal: attempts through a Redis stream into the delivery log', () => {
  const config = testConfig();
  const database = new ClickHouseTestDatabase('it_journal');
  const { client } = database;
  const redis = createRedis(config.redis);
  const log = new DeliveryLogStore(client);
  const stores = {
    log,
    contexts: new ContextRecordStore(client),
    amounts: new ErpAmountStore(client),
  };
  const stream = uniqueName('it_journal_attempts');

  const attempt = (n: number): DeliveryAttempt => ({
    at: new Date(Date.UTC(2026, 2, 1, 12, 0, 0, n % 1000)),
    connector: 'sample-erp',
    target: 'om',
    contextReferenceId: `ctx-${stream}-${n}`,
    version: 1,
    orderId: `o-${n}`,
    jobId: `job-${n}`,
    attempt: 1,
    status: 'written',
    recordIds: [`SO-${n}`],
    failureKind: '',
    error: '',
    durationMs: n % 50,
  });
  const journal = () =>
    new StoreJournal(redis, stream, stores, { intervalMs: 50, batch: 3, claimAfterMs: 60_000 });
  const logged = async () =>
    (await log.list({ connector: 'sample-erp', limit: 10_000 })).filter((a) =>
      a.contextReferenceId.startsWith(`ctx-${stream}-`),
    );

  beforeAll(async () => {
    await database.create();
    await stores.contexts.ensureSchema();
  });
  afterAll(async () => {
    await redis.del(stream);
    redis.disconnect();
    await database.drop();
  });

  it('adds attempts recorded together as few stream entries, and stores each of them once', async () => {
    const writer = journal();
    // A batch of jobs finishing at once, as a worker's group commit ends them.
    const attempts = Array.from({ length: 1200 }, (_, n) => attempt(n));
    await Promise.all(attempts.map((a) => writer.record(a)));
    // Recorded in one turn of the event loop: at most 500 to an entry, one entry at a time.
    expect(await redis.xlen(stream)).toBe(3);

    // Drained three entries at a time (the `batch`), into the delivery log.
    await writer.start();
    const stored = await poll(
      'every attempt in the delivery log',
      async () => ((await logged()).length >= attempts.length ? logged() : undefined),
      30_000,
    );
    await writer.stop();
    expect(stored).toHaveLength(attempts.length);
    const byJob = new Map(stored.map((a) => [a.jobId, a]));
    expect(byJob.size).toBe(attempts.length);
    expect(byJob.get('job-777')).toEqual(attempt(777));
    expect(await redis.xlen(stream)).toBe(0);
  });

  it('stores an entry of one attempt, as workers wrote them before entries held batches', async () => {
    const old = { ...attempt(5000), contextReferenceId: `ctx-${stream}-old` };
    await redis.xadd(stream, '*', 'a', JSON.stringify(old));
    const writer = journal();
    await writer.start();
    const stored = await poll(
      'the old entry in the delivery log',
      async () => (await logged()).find((a) => a.contextReferenceId === old.contextReferenceId),
      30_000,
    );
    await writer.stop();
    expect(stored).toEqual(old);
    expect(await redis.xlen(stream)).toBe(0);
  });
});
