import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AppConfig, ConfigurationException } from '@ctxb/config';
import {
  DeadLetters,
  LinkQueueWorker,
  linkRoute,
  type DeliveryAttempt,
  type DeliveryJournal,
  type LinkRoute,
} from '@ctxb/delivery';
import { withTimeout } from '@ctxb/health';
import { METRICS_REGISTRY } from '@ctxb/observability';
import { panelLink as panelLinkOf } from '@ctxb/panel';
import { loadLinkConnectors, type OpenConnector } from '@ctxb/connectors';
import {
  ContextRecordStore,
  createClickHouse,
  DeliveryLogStore,
  ErpAmountStore,
} from '@ctxb/store';
import { createRedis, redisConnectionOptions } from '@ctxb/streaming';
import type Redis from 'ioredis';
import { StoreJournal } from './store-journal';

const SHUTDOWN_STEP_MS = 10_000;

/** Waits for a shutdown step, but not for longer than SHUTDOWN_STEP_MS, and not for its failure. */
function within(step: Promise<unknown>, what: string): Promise<unknown> {
  return withTimeout(step, SHUTDOWN_STEP_MS, what).catch(() => undefined);
}

/** The connectors this worker delivers to: `worker.connectors` of `links.connectors`, or all. */
function connectorsOf(config: AppConfig) {
  const all = loadLinkConnectors(config.links);
  const chosen = config.worker.connectors;
  const unknown = chosen.filter((name) => !all.some((c) => c.name === name));
  if (unknown.length > 0)
    throw new ConfigurationException(
      unknown.map((name) => ({
        key: 'worker.connectors',
        source: 'configuration',
        expected: `names of links.connectors (${all.map((c) => c.name).join(', ') || 'none'})`,
        shown: name,
      })),
    );
  return chosen.length === 0 ? all : all.filter((c) => chosen.includes(c.name));
}

/**
 * The worker's delivery: for each target of each configured connector, its own connection
 * pool and queue worker, so one slow or failing ERP module never holds back another.
 */
@Injectable()
export class LinkDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LinkDelivery');
  private readonly clickhouse: ClickHouseClient;
  private readonly contexts: ContextRecordStore;
  private readonly deadLetters: DeadLetters;
  private readonly workers: LinkQueueWorker[] = [];
  private readonly connectors: OpenConnector[] = [];
  private readonly queues: { route: LinkRoute; queue: Queue }[] = [];
  private readonly journal: DeliveryJournal;
  private readonly store: StoreJournal;
  private readonly redis: Redis;

  constructor(
    config: AppConfig,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {
    const connection = { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null };
    const prefix = `${config.redis.keyPrefix}:bull`;
    this.clickhouse = createClickHouse(config.clickhouse);
    this.contexts = new ContextRecordStore(this.clickhouse);
    this.deadLetters = new DeadLetters(
      config.links.queue,
      connection,
      prefix,
      config.links.keepCompletedSeconds,
    );
    this.redis = createRedis(config.redis, { maxRetriesPerRequest: null });
    this.store = new StoreJournal(
      this.redis,
      `${config.redis.keyPrefix}:${config.links.queue}:attempts`,
      {
        log: new DeliveryLogStore(this.clickhouse),
        contexts: this.contexts,
        amounts: new ErpAmountStore(this.clickhouse),
      },
      { intervalMs: 500, batch: 200, claimAfterMs: 60_000 },
    );
    this.journal = this.measured(this.store);
    const { secret, publicUrl, linkTtlSeconds } = config.panel;
    // Links written into ERP and CRM records: valid for the configured time from the write.
    const panelLink = secret
      ? (reference: string) =>
          panelLinkOf(publicUrl, secret, reference, new Date(Date.now() + linkTtlSeconds * 1000))
      : undefined;
    for (const connector of connectorsOf(config)) {
      const open = connector.open({ loginTimeoutSeconds: config.odbc.loginTimeoutSeconds });
      this.connectors.push(open);
      for (const { target, writer, parallelWrites, waitForRecordMs } of open.targets) {
        const route = linkRoute(
          config.links.queue,
          connector.name,
          target,
          connector.reads[target],
        );
        this.queues.push({ route, queue: new Queue(route.queue, { connection, prefix }) });
        this.workers.push(
          new LinkQueueWorker({
            route,
            writer,
            policy: { ...config.links.retry, waitForRecordMs },
            concurrency: connector.limits.concurrency,
            parallelWrites,
            maxPerSecond: connector.limits.maxPerSecond,
            connection,
            prefix,
            deadLetters: this.deadLetters,
            journal: this.journal,
            storedRecord: (reference, version) => this.contexts.recordAt(reference, version),
            ...(panelLink ? { panelLink } : {}),
          }),
        );
      }
    }
    this.queueMetrics();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.contexts.ensureSchema();
    if (this.workers.length > 0) await this.store.start();
    for (const worker of this.workers) worker.start();
    this.logger.log(
      `delivering to ${this.queues.map((q) => q.route.queue).join(', ') || 'no connector'}`,
    );
  }

  /**
   * Lets running jobs finish and stores the journal, each step given at most `SHUTDOWN_STEP_MS`:
   * with Redis gone, BullMQ would wait for it for good. Jobs cut short run again elsewhere.
   */
  async onApplicationShutdown(): Promise<void> {
    await within(Promise.all(this.workers.map((w) => w.close())), 'queue workers');
    await within(this.store.stop(), 'delivery journal');
    this.redis.disconnect();
    await within(Promise.all(this.connectors.map((c) => c.close())), 'connector connections');
    await within(Promise.all(this.queues.map((q) => q.queue.close())), 'queues');
    await within(this.deadLetters.close(), 'dead letters');
    await within(this.clickhouse.close(), 'ClickHouse');
  }

  /** Counts every attempt by outcome and times the writes, then journals it. */
  private measured(journal: DeliveryJournal): DeliveryJournal {
    const attempts = new Counter({
      name: 'ctxb_delivery_attempts_total',
      help: 'Link job tries by connector, target and outcome',
      labelNames: ['connector', 'target', 'status'],
      registers: [this.registry],
    });
    const duration = new Histogram({
      name: 'ctxb_delivery_duration_ms',
      help: 'From a link job starting to its outcome, write included',
      labelNames: ['connector', 'target'],
      buckets: [2, 5, 10, 25, 50, 100, 250, 1000, 5000],
      registers: [this.registry],
    });
    return {
      record: (attempt: DeliveryAttempt) => {
        const labels = { connector: attempt.connector, target: attempt.target };
        attempts.inc({ ...labels, status: attempt.status });
        duration.observe(labels, attempt.durationMs);
        return journal.record(attempt);
      },
    };
  }

  private queueMetrics(): void {
    const queues = this.queues;
    const deadLetters = this.deadLetters;
    new Gauge({
      name: 'ctxb_delivery_queue_jobs',
      help: 'Link jobs per queue and state (waiting, delayed for a retry, active)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { route, queue } of queues) {
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
          for (const [state, count] of Object.entries(counts))
            this.set({ queue: route.queue, state }, count);
        }
      },
    });
    new Gauge({
      name: 'ctxb_delivery_oldest_job_age_seconds',
      help: 'Age of the oldest link job not done yet (waiting, delayed or running), per queue; 0 when none',
      labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const now = Date.now();
        for (const { route, queue } of queues) {
          const oldest = await Promise.all(
            (['waiting', 'delayed', 'active'] as const).map((state) =>
              queue.getJobs([state], 0, 0, true),
            ),
          );
          const times = oldest.flat().map((job) => job.timestamp);
          this.set(
            { queue: route.queue },
            times.length === 0 ? 0 : (now - Math.min(...times)) / 1000,
          );
        }
      },
    });
    new Gauge({
      name: 'ctxb_delivery_dead_letters',
      help: 'Link jobs in the dead-letter queue',
      registers: [this.registry],
      async collect() {
        this.set(await deadLetters.count());
      },
    });
  }
}
