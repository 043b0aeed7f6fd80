import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type Redis from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { LinkJobProducer } from '@ctxb/delivery';
import { METRICS_REGISTRY } from '@ctxb/observability';
import { ContextRecordStore, createClickHouse, LakeChanges } from '@ctxb/store';
import {
  createKafka,
  createRedis,
  engineConsumerGroups,
  orderedProducer,
  redisConnectionOptions,
  startWhenKafkaIsReachable,
} from '@ctxb/streaming';
import { engineLinkRoutes } from '../link-routes';
import { contextOptionsFrom } from './context-options.factory';
import { ContextProcessor } from './context-processor';
import { ContextStoreSink } from './context-store.sink';
import { EngineSnapshots } from '@ctxb/engine-state';

/** Runs stage two (journey topic → contexts → store and link jobs) inside the engine app. */
@Injectable()
export class ContextProcessorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ContextProcessor');
  private readonly redis: Redis;
  private readonly clickhouse: ClickHouseClient;
  private readonly links: LinkJobProducer;
  private readonly processor: ContextProcessor;
  private stopping = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly config: AppConfig,
    lake: LakeChanges,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const { keyPrefix } = config.redis;
    this.redis = createRedis(config.redis, { maxRetriesPerRequest: null });
    this.clickhouse = createClickHouse(config.clickhouse);
    this.links = new LinkJobProducer(
      engineLinkRoutes(config, (c) => c.targets),
      redisConnectionOptions(config.redis),
      `${keyPrefix}:bull`,
      config.links.keepCompletedSeconds,
    );
    const events = new Counter({
      name: 'ctxb_engine_journey_events_total',
      help: 'Events folded into context engines',
      labelNames: ['partition'],
      registers: [registry],
    });
    const versions = new Counter({
      name: 'ctxb_engine_context_versions_total',
      help: 'Context record versions emitted (stored and queued for linking)',
      registers: [registry],
    });
    const expired = new Counter({
      name: 'ctxb_engine_expired_events_total',
      help: 'Events older than the engine keeps, sent to the journey dead-letter topic',
      registers: [registry],
    });
    const snapshotMs = new Histogram({
      name: 'ctxb_engine_snapshot_duration_ms',
      help: 'Time to save one partition state (kind: whole, or the changes since the last save)',
      labelNames: ['kind'],
      buckets: [1, 5, 20, 100, 500, 2000, 10000],
      registers: [registry],
    });
    const saveFailures = new Counter({
      name: 'ctxb_engine_snapshot_failures_total',
      help: 'Saves of a partition state that failed (logged; the next save is whole)',
      registers: [registry],
    });
    const snapshotBytes = new Histogram({
      name: 'ctxb_engine_snapshot_bytes',
      help: 'Bytes of JSON one partition state save wrote to Redis (kind: whole or changes)',
      labelNames: ['kind'],
      buckets: [1e4, 1e5, 1e6, 1e7, 1e8],
      registers: [registry],
    });
    this.processor = new ContextProcessor(
      createKafka(config.kafka, 'engine-context'),
      {
        groupId: engineConsumerGroups(config.engine.groupId).context,
        topic: config.engine.journeyTopic,
        sessionTimeoutMs: config.engine.sessionTimeoutMs,
        snapshotIntervalMs: config.engine.snapshotIntervalMs,
        partitionsInParallel: config.engine.partitionsInParallel,
        context: contextOptionsFrom(config),
      },
      new EngineSnapshots(this.redis, keyPrefix),
      new ContextStoreSink(new ContextRecordStore(this.clickhouse), this.links, lake, {
        lingerMs: config.clickhouse.insertLingerMs,
        maxItems: config.clickhouse.insertMaxRecords,
      }),
      orderedProducer(createKafka(config.kafka, 'engine-context-dlq')),
      this.logger,
      {
        batch: (partition, counts) => {
          events.inc({ partition: String(partition) }, counts.events);
          versions.inc(counts.records);
          expired.inc(counts.expired);
        },
        saveFailed: () => saveFailures.inc(),
        snapshot: (_, saved, ms) => {
          const kind = saved.whole ? 'whole' : 'changes';
          snapshotMs.observe({ kind }, ms);
          snapshotBytes.observe({ kind }, saved.bytes);
        },
      },
    );
    const processor = this.processor;
    new Gauge({
      name: 'ctxb_engine_journey_position',
      help: 'Per owned journey partition, the next offset to fold in (all before it is stored)',
      labelNames: ['partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [partition, next] of processor.positions())
          this.set({ partition: String(partition) }, next);
      },
    });
    new Gauge({
      name: 'ctxb_engine_watermark_lag_seconds',
      help:
        'Per owned journey partition, how far behind the wall clock the event time is that its ' +
        'context versions are due by (clock less lateness bound): under live traffic, how long ' +
        'an order waits before its context is written',
      labelNames: ['partition'],
      registers: [registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [partition, watermark] of processor.watermarks())
          this.set({ partition: String(partition) }, (now - watermark) / 1000);
      },
    });
    new Gauge({
      name: 'ctxb_engine_unsaved_records',
      help: 'Per owned journey partition, records folded in since its state was last saved (a restart folds them in again)',
      labelNames: ['partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [partition, count] of processor.unsaved())
          this.set({ partition: String(partition) }, count);
      },
    });
    new Gauge({
      name: 'ctxb_engine_state',
      help: 'Engine state held in memory: partitions, events, orders, journeys',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const s = processor.stats();
        for (const [kind, value] of Object.entries(s)) this.set({ kind }, value);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.started = this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.started;
    await this.processor
      .stop()
      .catch((error: unknown) => this.logger.warn({ err: String(error) }, 'stopping'));
    await this.links.close().catch(() => undefined);
    await this.clickhouse.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private async start(): Promise<void> {
    await startWhenKafkaIsReachable(
      createKafka(this.config.kafka, 'engine-context-admin'),
      this.config.topics,
      async () => {
        await new ContextRecordStore(this.clickhouse).ensureSchema();
        await this.processor.start();
        this.logger.log({ topic: this.config.engine.journeyTopic }, 'building contexts');
      },
      this.logger,
      () => this.stopping,
      [this.config.engine.journeyTopic],
    ).catch(() => undefined);
  }
}
