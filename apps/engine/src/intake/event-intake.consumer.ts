import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { TOPICS, type CloudEvent } from '@ctxb/events';
import { METRICS_REGISTRY } from '@ctxb/observability';
import {
  createKafka,
  createRedis,
  EventDeduplicator,
  startWhenKafkaIsReachable,
  ValidatingEventConsumer,
} from '@ctxb/streaming';

/**
 * The engine's intake: one consumer group over every event topic. Records from any producer
 * (the collector or a shop backend writing to Kafka directly) are decoded, validated,
 * deduplicated by (source, id) and handed on; poison records go to the dead-letter topics.
 * It starts in the background and retries, so the engine runs (and says Kafka is down on
 * /health) while Kafka is unreachable.
 */
@Injectable()
export class EventIntakeConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventIntakeConsumer.name);
  private readonly redis: Redis;
  private readonly consumer: ValidatingEventConsumer;
  private readonly outcomes: Counter<'topic' | 'outcome'>;
  private readonly events: Counter<'type'>;
  private stopping = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly config: AppConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const { keyPrefix } = config.redis;
    this.redis = createRedis(config.redis, { maxRetriesPerRequest: null });
    this.outcomes = new Counter({
      name: 'ctxb_engine_records_total',
      help: 'Records consumed by outcome: handled, duplicate, or the dead-letter stage (parse, validate, handler)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    this.events = new Counter({
      name: 'ctxb_engine_events_total',
      help: 'Valid events handled, by type',
      labelNames: ['type'],
      registers: [registry],
    });
    this.consumer = new ValidatingEventConsumer(createKafka(config.kafka, 'engine'), {
      groupId: config.engine.groupId,
      topics: [...TOPICS],
      handlerRetries: config.engine.handlerRetries,
      retryBackoffMs: config.engine.retryBackoffMs,
      fromBeginning: config.engine.startFromBeginning,
      deduplicator: new EventDeduplicator(
        this.redis,
        `${keyPrefix}:dedup:engine`,
        config.collector.deduplicationWindowSeconds * 1000,
      ),
      onOutcome: (topic, outcome) => this.outcomes.inc({ topic, outcome }),
      handler: (event) => this.handle(event),
    });
  }

  onApplicationBootstrap(): void {
    this.started = this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.started;
    await this.consumer.stop().catch(() => undefined);
    this.redis.disconnect();
  }

  /** The context engine (sessions, journeys, enrichment) plugs in here. */
  private async handle(event: CloudEvent): Promise<void> {
    this.events.inc({ type: event.type });
  }

  private async start(): Promise<void> {
    await startWhenKafkaIsReachable(
      createKafka(this.config.kafka, 'engine-admin'),
      this.config.topics,
      async () => {
        await this.consumer.start();
        this.logger.log({ groupId: this.config.engine.groupId }, 'consuming event topics');
      },
      this.logger,
      () => this.stopping,
    ).catch(() => undefined);
  }
}
