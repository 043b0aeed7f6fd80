import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, projectRoot, type AppConfig } from '@ctxb/config';
import type { LinkOutcome, LinkRequest } from '@ctxb/connector-sdk';
import { contextReferenceId, type ContextRecord } from '@ctxb/context';
import {
  DeadLetters,
  LinkJobProducer,
  LinkQueueWorker,
  linkRoute,
  type LinkRoute,
} from '@ctxb/delivery';
import { createApp } from '@ctxb/observability';
import { loadLinkConnectors } from '@ctxb/connectors';
import {
  loadOdbcProfile,
  moduleReads,
  OdbcConnections,
  reconnectedProfile,
} from '@ctxb/odbc-connector';
import { parseDocument } from 'yaml';
import { order12345Records } from '@ctxb/simulation';
import { createClickHouse, sqlIdentifier } from '@ctxb/store';
import { deleteKeysWithPrefix, createRedis, redisConnectionOptions } from '@ctxb/streaming';
import { Queue } from 'bullmq';
import { SingleBar } from 'cli-progress';
import { POSTGRES } from '../apps/cli/src/local-services/erp-databases';
import { psql } from '../apps/cli/src/local-services/relational-database.local-service';
import { workerApp } from '../apps/worker/src/worker.app';
import { rate, report, startBuiltApp, stopProcesses, timed } from './bench-support';

export interface DeliveryBenchOptions {
  jobs: number;
  concurrency: number;
  /** Worker app processes of their own; 0 runs the worker app inside the benchmark process. */
  workers: number;
}

/**
 * Link jobs through BullMQ and ODBC into the reference ERP on PostgreSQL. Figures from one run:
 * plain batched `odbc` inserts of the same number of rows (the baseline: what the database and
 * driver take at best); queueing the jobs (the engine's side); the queue path alone (BullMQ and
 * the queue worker with a target that writes nothing); and the worker app delivering link jobs
 * into order headers (BullMQ, batched UPDATEs, the delivery log). The last two drain a backlog
 * queued while the queue was paused, as after an ERP outage: the clock runs from resuming the
 * queue to the last job done, the queueing and the apps' start left out.
 */
export async function deliveryBench(options: DeliveryBenchOptions): Promise<void> {
  const run = `bench_delivery_${Date.now().toString(36)}`;
  const base = loadConfig();
  const erp = await createSampleErp(run);
  const admin = createClickHouse({ ...base.clickhouse, database: 'default' });
  await admin.command({ query: `CREATE DATABASE ${sqlIdentifier(run)}` });
  const pool = new OdbcConnections(erp, { size: 1, loginTimeoutSeconds: 5 });
  const redis = createRedis(base.redis);
  try {
    const records = orders(run, options.jobs);
    console.log(
      `delivery benchmark: ${options.jobs.toLocaleString('en-US')} link jobs, concurrency ${options.concurrency} per target, ${
        options.workers === 0
          ? 'the worker app inside the benchmark process'
          : `${options.workers} worker app process(es)`
      }`,
    );
    const baseline = await plainInserts(pool, records);
    await bookOrders(
      pool,
      records.map((r) => r.order.orderId),
    );
    const { queueing, queueOnly } = await queuePathOnly(run, base, records, options);
    const worker = await workerDelivery(run, base, erp, records, options, pool);
    report(
      [
        {
          name: 'odbc batched INSERTs, 500 rows each (baseline)',
          value: rate(records.length, baseline),
          unit: 'rows/s',
        },
        {
          name: 'queueing link jobs (LinkJobProducer)',
          value: rate(records.length, queueing),
          unit: 'jobs/s',
        },
        {
          name: 'BullMQ + queue worker, target writing nothing',
          value: rate(records.length, queueOnly),
          unit: 'jobs/s',
        },
        {
          name: 'worker app: BullMQ + ODBC into sales_order',
          value: rate(records.length, worker),
          unit: 'rows/s',
        },
      ],
      rate(records.length, baseline),
    );
    const goal = (name: string, value: number, wanted: number, unit: string) =>
      console.log(
        `  goal: ${name} ≥ ${wanted.toLocaleString('en-US')} ${unit} → ${value >= wanted ? 'met' : 'NOT met'} (${Math.round(value).toLocaleString('en-US')})`,
      );
    goal('jobs through BullMQ', rate(records.length, queueOnly), 5_000, 'jobs/s');
    goal('ERP rows written', rate(records.length, worker), 2_000, 'rows/s');
  } finally {
    await pool.close();
    await deleteKeysWithPrefix(redis, run).catch(() => undefined);
    redis.disconnect();
    await admin.command({ query: `DROP DATABASE IF EXISTS ${sqlIdentifier(run)}` });
    await admin.close();
    await dropSampleErp(run);
  }
}

/** The story's newest context, copied for `count` orders of their own. */
function orders(run: string, count: number): ContextRecord[] {
  const story = order12345Records().at(-1)!;
  return Array.from({ length: count }, (_, i) => {
    const orderId = `${run}-${i}`;
    return {
      ...story,
      contextReferenceId: contextReferenceId(orderId),
      order: { ...story.order, orderId },
      correlations: { ...story.correlations, invoices: [], journals: [] },
    };
  });
}

/** Seconds to insert one row per record into a scratch table, 500 rows per statement. */
async function plainInserts(pool: OdbcConnections, records: ContextRecord[]): Promise<number> {
  const db = await pool.connect();
  try {
    await db.query(
      'CREATE TABLE bench_plain (order_no VARCHAR(60), context_reference_id VARCHAR(40), context_version INTEGER, first_touch_channel VARCHAR(40))',
    );
    const { seconds } = await timed(async () => {
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500);
        await db.beginTransaction();
        await db.query(
          `INSERT INTO bench_plain VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((r) => [
            r.order.orderId,
            r.contextReferenceId,
            r.version,
            r.journey.firstTouch?.channel ?? '',
          ]),
        );
        await db.commit();
      }
    });
    return seconds;
  } finally {
    await pool.release(db, false);
  }
}

/** A reference ERP database of the benchmark's own (its schema, no seed): the ODBC connection string. */
export async function createSampleErp(name: string): Promise<string> {
  await psql(['-c', `CREATE DATABASE ${name}`]);
  await psql(
    ['-q', '-f', join(projectRoot(), 'docker', 'erp-sample', 'postgres', '01-schema.sql')],
    name,
  );
  return `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${name};Username=${POSTGRES.user}`;
}

export async function dropSampleErp(name: string): Promise<void> {
  await psql(['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

/** The orders in the ERP's order headers before any context: one customer, 1,000 a statement. */
export async function bookOrders(pool: OdbcConnections, orderIds: string[]): Promise<void> {
  const db = await pool.connect();
  try {
    await db.query(`INSERT INTO customer (customer_no, name) VALUES ('C-1001', 'Ada Lovelace')`);
    for (let i = 0; i < orderIds.length; i += 1000) {
      const chunk = orderIds.slice(i, i + 1000);
      await db.query(
        `INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount) VALUES ${chunk
          .map(() => "(?, 'C-1001', now(), 'EUR', 10)")
          .join(', ')}`,
        chunk,
      );
    }
  } finally {
    await pool.release(db, false);
  }
}

/** Seconds from enqueueing the jobs to every order header linked, through the worker app. */
async function workerDelivery(
  run: string,
  base: AppConfig,
  erp: string,
  records: ContextRecord[],
  options: DeliveryBenchOptions,
  pool: OdbcConnections,
): Promise<number> {
  const profile = join(projectRoot(), '.local', run, 'sample-erp.yaml');
  mkdirSync(join(projectRoot(), '.local', run), { recursive: true });
  writeFileSync(profile, omOnlyProfile(erp));
  const config: AppConfig = {
    ...base,
    log: { ...base.log, level: 'warn' },
    redis: { ...base.redis, keyPrefix: run },
    clickhouse: { ...base.clickhouse, database: run },
    worker: { ...base.worker, connectors: [] },
    links: {
      ...base.links,
      queue: 'bench-links',
      connectors: [{ profile, concurrency: options.concurrency, maxPerSecond: 0 }],
    },
  };
  const [connector] = loadLinkConnectors(config.links);
  const route = linkRoute(config.links.queue, 'sample-erp', 'om', connector.reads.om);
  const backlog = await pausedBacklog(config, route, records);
  const stop = await startWorkers(config, options.workers);
  try {
    const linked = async () => {
      const db = await pool.connect();
      try {
        const [row] = await db.query<{ n: number }>(
          'SELECT count(*) AS n FROM sales_order WHERE context_reference_id IS NOT NULL',
        );
        return Number(row.n);
      } finally {
        await pool.release(db, false);
      }
    };
    const bar = progressBar('worker app');
    const { seconds } = await timed(async () => {
      await backlog.resume();
      for (;;) {
        const n = await linked();
        bar?.update(n / records.length);
        if (n >= records.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    bar?.stop();
    return seconds;
  } finally {
    await stop();
    await backlog.close();
  }
}

/** The jobs of `records` queued on `route` with its queue paused: resume() lets workers at them. */
async function pausedBacklog(config: AppConfig, route: LinkRoute, records: ContextRecord[]) {
  const queue = new Queue(route.queue, {
    connection: { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null },
    prefix: `${config.redis.keyPrefix}:bull`,
  });
  await queue.pause();
  const { seconds } = await timed(() => enqueueAll(config, [route], records));
  return {
    /** How long queueing took. */
    seconds,
    resume: () => queue.resume(),
    close: () => queue.close(),
  };
}

/**
 * The worker app as it runs in production, in `count` processes of its own (built, with the
 * benchmark's settings in the environment), or inside this process when `count` is 0. Answers
 * how to stop them.
 */
async function startWorkers(config: AppConfig, count: number): Promise<() => Promise<void>> {
  if (count === 0) {
    const app = await createApp(workerApp, config);
    await app.init();
    return () => app.close();
  }
  const overlay = join(projectRoot(), '.local', config.clickhouse.database, 'worker.json');
  writeFileSync(overlay, JSON.stringify({ links: config.links, worker: config.worker }));
  const children = await Promise.all(
    Array.from({ length: count }, () => {
      const port = 40_000 + Math.floor(Math.random() * 10_000);
      return startBuiltApp(
        'worker',
        {
          CTXB_CONFIG: overlay,
          CTXB_LOG_LEVEL: config.log.level,
          CTXB_REDIS_KEY_PREFIX: config.redis.keyPrefix,
          CTXB_CLICKHOUSE_DATABASE: config.clickhouse.database,
          CTXB_WORKER_HTTP_PORT: String(port),
        },
        port,
      );
    }),
  );
  return () => stopProcesses(children);
}

/**
 * Seconds to queue the jobs, and for a queue worker whose target writes nothing to take them
 * through BullMQ.
 */
async function queuePathOnly(
  run: string,
  base: AppConfig,
  records: ContextRecord[],
  options: DeliveryBenchOptions,
): Promise<{ queueing: number; queueOnly: number }> {
  const config = { ...base, redis: { ...base.redis, keyPrefix: run } };
  // Jobs carry what the shipped order headers read, as the engine's do.
  const shipped = loadOdbcProfile(join(projectRoot(), 'config', 'connectors', 'sample-erp.yaml'));
  if ('problems' in shipped) throw new Error(JSON.stringify(shipped.problems));
  const reads = moduleReads(shipped.profile.modules.om!);
  const route = linkRoute('bench-queue-only', 'nothing', 'om', reads);
  const connection = { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null };
  const prefix = `${run}:bull`;
  let done = 0;
  const deadLetters = new DeadLetters('bench-queue-only', connection, prefix, 3600);
  const worker = new LinkQueueWorker({
    route,
    writer: {
      target: 'om',
      write: async (batch: readonly LinkRequest[]): Promise<LinkOutcome[]> => {
        done += batch.length;
        return batch.map(() => ({ status: 'written', recordIds: [] }));
      },
    },
    policy: { attempts: 3, backoffMs: 100, maxBackoffMs: 1000, waitForRecordMs: 60_000 },
    concurrency: options.concurrency,
    parallelWrites: 4,
    maxPerSecond: 0,
    connection,
    prefix,
    deadLetters,
    journal: { record: async () => undefined },
  });
  const backlog = await pausedBacklog(config, route, records);
  try {
    worker.start();
    const bar = progressBar('queue only');
    const { seconds } = await timed(async () => {
      await backlog.resume();
      while (done < records.length) {
        bar?.update(done / records.length);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    bar?.stop();
    return { queueing: backlog.seconds, queueOnly: seconds };
  } finally {
    await worker.close();
    await deadLetters.close();
    await backlog.close();
  }
}

/**
 * The shipped sample-erp profile with order headers only (the benchmarks time those), connected
 * to the benchmark's own database.
 */
export function omOnlyProfile(connectionString: string): string {
  const shipped = readFileSync(
    join(projectRoot(), 'config', 'connectors', 'sample-erp.yaml'),
    'utf8',
  );
  const document = parseDocument(reconnectedProfile(shipped, connectionString));
  document.deleteIn(['modules', 'ar']);
  document.deleteIn(['modules', 'gl']);
  return document.toString();
}

async function enqueueAll(config: AppConfig, routes: LinkRoute[], records: ContextRecord[]) {
  const producer = new LinkJobProducer(
    routes,
    { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null },
    `${config.redis.keyPrefix}:bull`,
    3600,
  );
  try {
    for (let i = 0; i < records.length; i += 1000)
      await producer.enqueue(records.slice(i, i + 1000));
  } finally {
    await producer.close();
  }
}

function progressBar(name: string) {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({ format: `${name} [{bar}] {percentage}%`, stream: process.stderr });
  bar.start(1, 0);
  return bar;
}
