import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AppConfig, LinkConnectorConfig } from '@ctxb/config';
import type { ContextRecord } from '@ctxb/context';
import { Queue } from 'bullmq';
import { LinkJobProducer, linkRoute } from '@ctxb/delivery';
import { createClickHouse, DeliveryLogStore } from '@ctxb/store';
import { redisConnectionOptions } from '@ctxb/streaming';
import { POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { workerApp } from '../../apps/worker/src/worker.app';
import { createTestDatabase, dropTestState } from '../support/engine-test';
import { ErpTestDatabases } from '../support/erp-test-databases';
import { poll, startInProcess, type RunningApp } from '../support/http';
import { craftedOrder } from '../support/order-12345-records';
import { stopProcess } from '../support/processes';
import { startRedis } from '../support/redis-server';
import { TcpCut } from '../support/tcp-cut';
import { freePort, testConfig, uniqueName } from '../support/test-config';
import { startWorkerProcess } from '../support/worker-process';

/**
 * Link jobs as the engine enqueues them, into a worker under fault: killed, its Redis
 * restarted, its ERP unreachable, versions arriving out of order. Nothing may be lost,
 * nothing written twice, no version overwritten by an older one.
 */
describe('ERP delivery under faults', () => {
  const erp = new ErpTestDatabases();
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(() => erp.create(), 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await erp.drop();
  });

  /** A worker configuration of its own (queues, Redis keys, ClickHouse database). */
  async function deliveryConfig(
    connectors: LinkConnectorConfig[],
    change: (c: AppConfig) => void = () => undefined,
  ): Promise<AppConfig> {
    const config = testConfig((c) => {
      c.log.level = process.env.TEST_LOG ?? 'silent';
      c.redis.keyPrefix = uniqueName('ctxb_test');
      c.links.queue = uniqueName('test-links').replace(/_/g, '-');
      c.clickhouse.database = uniqueName('test_faults');
      c.links.connectors = connectors;
      // Short waits for a quick test, so many tries: a 30 s cut and the pool's pause after it
      // (up to 30 s more) must not use them up, as the default backoff never would.
      c.links.retry = { attempts: 1000, backoffMs: 100, maxBackoffMs: 1000 };
      change(c);
    });
    await createTestDatabase(config);
    cleanups.push(() => dropTestState(config));
    return config;
  }

  /** Orders `<run>-1` … `<run>-count`, booked in the reference ERP before any context. */
  async function bookOrders(run: string, count: number): Promise<string[]> {
    await erp.query(
      `INSERT INTO customer (customer_no, name) VALUES ('C-1001', 'Ada Lovelace') ON CONFLICT DO NOTHING`,
    );
    await erp.query(
      `INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount)
       SELECT '${run}-' || g, 'C-1001', now(), 'EUR', 10 FROM generate_series(1, ${count}) g`,
    );
    return Array.from({ length: count }, (_, i) => `${run}-${i + 1}`);
  }

  const record = (orderId: string, version = 1): ContextRecord =>
    craftedOrder(orderId, '2026-03-14T16:05:00.000Z', '10.00', 1000, 1, 'EUR', version);

  const routes = (config: AppConfig) =>
    config.links.connectors.flatMap((c) => {
      const name = c.profile.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
      return (['om', 'ar', 'gl'] as const).map((t) => linkRoute(config.links.queue, name, t));
    });

  /** Whether every queue of the configuration is done: no job waiting, delayed or running. */
  async function drained(config: AppConfig): Promise<true | undefined> {
    for (const route of routes(config)) {
      const queue = new Queue(route.queue, {
        connection: redisConnectionOptions(config.redis),
        prefix: `${config.redis.keyPrefix}:bull`,
      });
      try {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
        if (Object.values(counts).some((n) => n > 0)) return undefined;
      } finally {
        await queue.close();
      }
    }
    return true;
  }

  /** Enqueues the records as the engine does: one job per target of every connector. */
  async function enqueue(config: AppConfig, records: ContextRecord[]) {
    const producer = new LinkJobProducer(
      routes(config),
      { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null },
      `${config.redis.keyPrefix}:bull`,
      config.links.keepCompletedSeconds,
    );
    try {
      await producer.enqueue(records);
    } finally {
      await producer.close();
    }
  }

  /** How many of the orders hold their context (any version) in the reference ERP. */
  async function linkedCount(run: string): Promise<number> {
    const [row] = await erp.query<{ n: number }>(
      `SELECT count(*) AS n FROM sales_order
       WHERE order_no LIKE '${run}-%' AND context_reference_id IS NOT NULL`,
    );
    return Number(row.n);
  }

  const allLinked = (run: string, count: number, timeoutMs: number) =>
    poll(
      `all ${count} orders of ${run} linked`,
      async () => ((await linkedCount(run)) === count ? true : undefined),
      timeoutMs,
    );

  it('loses nothing and stages nothing twice when the worker is killed with SIGKILL mid-run', async () => {
    const run = uniqueName('kill');
    const orders = await bookOrders(run, 300);
    // Paced so the kill comes while jobs are in flight.
    const paced = { concurrency: 16, maxPerSecond: 100 };
    const config = await deliveryConfig([
      { profile: erp.profile('sample-erp'), ...paced },
      { profile: erp.profile('ebs'), ...paced },
    ]);
    await enqueue(
      config,
      orders.map((o) => record(o)),
    );
    let worker: ChildProcess = await startWorkerProcess(config);
    cleanups.push(() => stopProcess(worker, 'SIGKILL'));
    await poll(
      'some orders linked',
      async () => ((await linkedCount(run)) >= 40 ? true : undefined),
      60_000,
    );
    await stopProcess(worker, 'SIGKILL');
    const atKill = await linkedCount(run);
    expect(atKill).toBeLessThan(orders.length);

    // A new worker takes over, the killed one's jobs included once their locks expire (a job
    // whose write was committed before the kill runs again, and finds its version there).
    worker = await startWorkerProcess(config);
    await allLinked(run, orders.length, 150_000);
    await poll("every job done, the killed worker's too", () => drained(config), 150_000);
    const staged = await poll(
      'every order staged into EBS',
      async () => {
        const rows = await erp.query<{ ref: string; n: number }>(
          `SELECT "ORIG_SYS_DOCUMENT_REF" AS ref, count(*) AS n FROM ebs."OE_HEADERS_IFACE_ALL"
         WHERE "ORIG_SYS_DOCUMENT_REF" LIKE '${run}-%' GROUP BY "ORIG_SYS_DOCUMENT_REF"`,
        );
        return rows.length === orders.length ? rows : undefined;
      },
      60_000,
    );
    expect(staged.filter((r) => Number(r.n) !== 1)).toEqual([]);
    await stopProcess(worker);
  }, 300_000);

  it('loses no job when Redis is killed and restarted mid-run', async () => {
    const run = uniqueName('redis');
    const orders = await bookOrders(run, 300);
    const port = await freePort();
    const dir = mkdtempSync(`${tmpdir()}/ctxb-redis-`);
    // Every write on disk before it is acknowledged: what a queue's Redis should be run with.
    const durable = ['--appendonly', 'yes', '--appendfsync', 'always'];
    let redis = startRedis(port, durable, dir);
    cleanups.push(async () => redis.kill('SIGKILL'));
    const config = await deliveryConfig(
      [{ profile: erp.profile('sample-erp'), concurrency: 16, maxPerSecond: 100 }],
      (c) => (c.redis.port = port),
    );
    await poll('private redis up', async () => {
      await enqueue(config, []);
      return true;
    });
    await enqueue(
      config,
      orders.map((o) => record(o)),
    );
    const worker: RunningApp = await startInProcess(workerApp, config);
    cleanups.push(() => worker.close());
    await poll(
      'some orders linked',
      async () => ((await linkedCount(run)) >= 40 ? true : undefined),
      60_000,
    );
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const during = await linkedCount(run);
    expect(during).toBeLessThan(orders.length);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    redis = startRedis(port, durable, dir);
    await allLinked(run, orders.length, 150_000);
  }, 300_000);

  it('delivers everything after its ERP database was unreachable for 30 s', async () => {
    const run = uniqueName('down');
    const orders = await bookOrders(run, 200);
    const line = new TcpCut(POSTGRES);
    await line.start();
    cleanups.push(() => line.close());
    const config = await deliveryConfig([
      {
        profile: erp.profile(
          'sample-erp',
          'sample-erp',
          erp.postgres.replace(/Port=\d+/, `Port=${line.port}`),
        ),
        concurrency: 16,
        maxPerSecond: 50,
      },
    ]);
    await enqueue(
      config,
      orders.map((o) => record(o)),
    );
    // A process of its own: the relay must keep running while the worker's ODBC calls block
    // (node-odbc holds one lock per process around every connect).
    const worker = await startWorkerProcess(config);
    cleanups.push(() => stopProcess(worker));
    await poll(
      'some orders linked',
      async () => ((await linkedCount(run)) >= 20 ? true : undefined),
      60_000,
    );
    const cutPorts = await line.cut();
    expect(cutPorts.length).toBeGreaterThan(0);
    // A COMMIT that reached the server just before the cut still counts: the links are counted
    // once the server has let go of every connection that was cut.
    await poll(
      'the cut connections gone from the server',
      async () => {
        const [row] = await erp.query<{ n: number }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE client_port IN (${cutPorts.join(', ')})`,
        );
        return Number(row.n) === 0 ? true : undefined;
      },
      30_000,
    );
    const atCut = await linkedCount(run);
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    expect(await linkedCount(run)).toBe(atCut);
    await line.restore();
    await allLinked(run, orders.length, 180_000).catch(async (error: Error) => {
      // Say what became of the jobs: how many are in, and the tries by outcome.
      const client = createClickHouse(config.clickhouse);
      try {
        const tries = await new DeliveryLogStore(client).list({ limit: 100_000 });
        const byOutcome = new Map<string, number>();
        for (const t of tries) {
          const key = `${t.status} ${t.failureKind}`.trim();
          byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
        }
        // The story of each order still not linked: every try of its order-management job.
        const unlinked = await erp.query<{ order_no: string }>(
          `SELECT order_no FROM sales_order
           WHERE order_no LIKE '${run}-%' AND context_reference_id IS NULL`,
        );
        const stories = unlinked.map(({ order_no }) =>
          [
            `  ${order_no}:`,
            ...tries
              .filter((t) => t.orderId === order_no && t.target === 'om')
              .reverse()
              .map(
                (t) =>
                  `    ${t.at.toISOString()} #${t.attempt} ${t.status} ${t.failureKind} ${t.error}`,
              ),
          ].join('\n'),
        );
        throw new Error(
          `${error.message}: ${await linkedCount(run)} linked; tries ${JSON.stringify([...byOutcome])}\n` +
            stories.join('\n'),
        );
      } finally {
        await client.close();
      }
    });

    const client = createClickHouse(config.clickhouse);
    try {
      const log = new DeliveryLogStore(client);
      // Every try that failed, the first ones after the cut included (on connections that were
      // idle through it the driver says nothing of why): each was a lost connection.
      const lost = await log.list({ connector: 'sample-erp', status: 'retrying', limit: 100_000 });
      expect(lost.length).toBeGreaterThan(0);
      expect(new Set(lost.map((e) => e.failureKind))).toEqual(new Set(['connection-lost']));
      expect(await log.list({ status: 'dead-lettered', limit: 10 })).toEqual([]);
    } finally {
      await client.close();
    }
  }, 360_000);

  it('keeps the newest version in the ERP when versions complete out of order', async () => {
    const run = uniqueName('order');
    const [orderId] = await bookOrders(run, 1);
    const config = await deliveryConfig([
      { profile: erp.profile('sample-erp'), concurrency: 4, maxPerSecond: 0 },
      { profile: erp.profile('ebs'), concurrency: 4, maxPerSecond: 0 },
    ]);
    const worker = await startInProcess(workerApp, config);
    cleanups.push(() => worker.close());
    const version = async () => {
      const [row] = await erp.query<{ v: number | null }>(
        `SELECT context_version AS v FROM sales_order WHERE order_no = '${orderId}'`,
      );
      return row.v;
    };
    await enqueue(config, [record(orderId, 5)]);
    await poll('version 5 linked', async () => ((await version()) === 5 ? true : undefined));

    // Version 3 comes late (a retry that finally went through): it finds 5 and changes nothing.
    await enqueue(config, [record(orderId, 3)]);
    const client = createClickHouse(config.clickhouse);
    try {
      const late = await poll('version 3 delivered', async () => {
        const tries = await new DeliveryLogStore(client).list({
          contextReferenceId: record(orderId).contextReferenceId,
          limit: 20,
        });
        const threes = tries.filter((t) => t.version === 3 && t.target === 'om');
        return threes.length === 2 ? threes : undefined;
      });
      expect(late.map((t) => t.status)).toEqual(['current', 'current']);
    } finally {
      await client.close();
    }
    expect(await version()).toBe(5);
    const staged = await erp.query<{ seq: string }>(
      `SELECT "CHANGE_SEQUENCE" AS seq FROM ebs."OE_HEADERS_IFACE_ALL"
       WHERE "ORIG_SYS_DOCUMENT_REF" = '${orderId}'`,
    );
    expect(staged).toEqual([{ seq: '0000000005' }]);
  }, 120_000);

  it('runs only the connectors named in worker.connectors, and refuses a name it does not know', async () => {
    const run = uniqueName('only');
    const [orderId] = await bookOrders(run, 1);
    const config = await deliveryConfig(
      [
        { profile: erp.profile('sample-erp'), concurrency: 4, maxPerSecond: 0 },
        { profile: erp.profile('ebs'), concurrency: 4, maxPerSecond: 0 },
      ],
      (c) => (c.worker.connectors = ['ebs']),
    );
    await expect(
      startInProcess(workerApp, { ...config, worker: { ...config.worker, connectors: ['sap'] } }),
    ).rejects.toThrow('worker.connectors = sap');
    const worker = await startInProcess(workerApp, config);
    cleanups.push(() => worker.close());
    await enqueue(config, [record(orderId, 2)]);
    await poll('staged into EBS', async () => {
      const rows = await erp.query(
        `SELECT 1 FROM ebs."OE_HEADERS_IFACE_ALL" WHERE "ORIG_SYS_DOCUMENT_REF" = '${orderId}'`,
      );
      return rows.length === 1 ? true : undefined;
    });
    expect(await linkedCount(run)).toBe(0);
  }, 60_000);
});
