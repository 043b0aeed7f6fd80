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
import { timeAheadProblem, TOPICS } from '@ctxb/events';
import { METRICS_REGISTRY } from '@ctxb/observability';
import {
  createKafka,
  createRedis,
  journeyPartitionCount,
  orderedProducer,
  startWhenKafkaIsReachable,
  ValidatingEventConsumer,
  type ConsumedBatch,
  type ConsumedEvent,
} from '@ctxb/streaming';
import type { Admin, Producer } from 'kafkajs';
import { EventArchive } from '../archive/event-archive';
import { contextOptionsFrom } from '../context/context-options.factory';
import { JourneyDirectory } from '../routing/journey-directory';
import { JourneyRouter, type SourceProgress } from '../routing/journey-router';

/**
 * The engine's intake (stage one): one consumer group over every event topic. Records from any
 * producer (the collector or a shop backend writing to Kafka directly) are decoded and
 * validated, poison records (and events dated too far ahead of this clock, see
 * `engine.futureToleranceSeconds`) go to the dead-letter topics, and valid events are re-keyed by
 * journey onto the journey topic. Repeats are dropped by the context engine itself, which
 * knows every (source, id) it has folded in. The same read feeds the raw-event archive (when
 * `archive.enabled`): offsets are committed once a batch is routed and archived.
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
  private readonly routed: Counter<'outcome'>;
  private readonly ahead: Counter<'type'>;
  private readonly producer: Producer;
  private readonly router: JourneyRouter;
  private readonly directory: JourneyDirectory;
  /** Source offsets: positions at each assignment, end offsets for the router (connected at start). */
  private readonly admin: Admin;
  private stopping = false;
  private started: Promise<void> | undefined;
  /**
   * The report of the sources assigned at the last rebalance. Batches wait for it: an engine
   * that heard of one source before the others would let its clock run ahead of them.
   */
  private registration: Promise<void> = Promise.resolve();
  private assignment: Record<string, number[]> = {};

  constructor(
    private readonly config: AppConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly archive: EventArchive,
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
    this.routed = new Counter({
      name: 'ctxb_engine_routed_events_total',
      help: 'Events re-keyed onto the journey topic: forwarded, parked (order not placed yet), released, skipped',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.ahead = new Counter({
      name: 'ctxb_engine_events_ahead_total',
      help: 'Valid events dead-lettered for a time further ahead of the intake clock than engine.futureToleranceSeconds (a producer clock to fix)',
      labelNames: ['type'],
      registers: [registry],
    });
    const kafka = createKafka(config.kafka, 'engine');
    this.producer = orderedProducer(kafka);
    this.admin = kafka.admin();
    const options = contextOptionsFrom(config);
    this.directory = new JourneyDirectory(
      this.redis,
      keyPrefix,
      Math.ceil(options.orderRetentionMs / 1000),
    );
    this.router = new JourneyRouter(
      this.directory,
      this.producer,
      config.engine.journeyTopic,
      options,
      (sources) => this.endOffsets(sources),
    );
    this.consumer = new ValidatingEventConsumer(kafka, {
      groupId: config.engine.groupId,
      topics: [...TOPICS],
      handlerRetries: config.engine.handlerRetries,
      retryBackoffMs: config.engine.retryBackoffMs,
      fromBeginning: config.engine.startFromBeginning,
      sessionTimeoutMs: config.engine.sessionTimeoutMs,
      partitionsInParallel: config.engine.partitionsInParallel,
      fetchBytesPerPartition: config.engine.fetchBytesPerPartition,
      refuse: (event) => {
        const problem = timeAheadProblem(
          event.time,
          Date.now(),
          config.engine.futureToleranceSeconds * 1000,
        );
        if (problem) this.ahead.inc({ type: event.type });
        return problem;
      },
      onOutcome: (topic, outcome, count = 1) => this.outcomes.inc({ topic, outcome }, count),
      handler: { batch: (events, batch) => this.handle(events, batch) },
      keep: archive.enabled ? (events, batch) => archive.keep(events, batch.topic) : undefined,
      onAssigned: (assignment) => {
        this.router.newAssignment();
        this.assignment = assignment;
        this.registration = this.registerSources(assignment);
        this.registration.catch((error: unknown) =>
          this.logger.warn({ err: String(error) }, 'reporting source partitions failed'),
        );
      },
    });
  }

  onApplicationBootstrap(): void {
    this.started = this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.started;
    await this.consumer.stop().catch(() => undefined);
    await this.archive.close().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    this.redis.disconnect();
  }

  private async endOffsets(
    sources: readonly { topic: string; partition: number }[],
  ): Promise<Map<string, number>> {
    // The topics at once: a batch waits for this look at Kafka.
    const topics = [...new Set(sources.map((s) => s.topic))];
    const offsets = await Promise.all(topics.map((topic) => this.admin.fetchTopicOffsets(topic)));
    const ends = new Map<string, number>();
    topics.forEach((topic, i) => {
      for (const o of offsets[i]) ends.set(`${topic}:${o.partition}`, Number(o.high));
    });
    return ends;
  }

  private async handle(batch: ConsumedEvent[], source: ConsumedBatch): Promise<void> {
    await this.registration.catch(() => {
      this.registration = this.registerSources(this.assignment);
      return this.registration;
    });
    const counts = await this.router.route(batch, source);
    const types = new Map<string, number>();
    for (const { event } of batch) types.set(event.type, (types.get(event.type) ?? 0) + 1);
    for (const [type, n] of types) this.events.inc({ type }, n);
    for (const [outcome, n] of Object.entries(counts) as [string, number][])
      this.routed.inc({ outcome }, n);
  }

  /**
   * After a rebalance: tells the engines which source partitions this instance reads now and
   * whether each has anything left to read, so their clocks wait for the busy ones.
   */
  private async registerSources(assignment: Record<string, number[]>): Promise<void> {
    const admin = this.admin;
    const sources: SourceProgress[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({
        groupId: this.config.engine.groupId,
        topics: [topic],
      });
      for (const partition of partitions) {
        const end = ends.find((o) => o.partition === partition);
        const mark = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        const position =
          Number(mark) >= 0
            ? Number(mark)
            : this.config.engine.startFromBeginning
              ? Number(end?.low ?? 0)
              : Number(end?.high ?? 0);
        sources.push({
          topic,
          partition,
          position,
          caughtUp: position >= Number(end?.high ?? 0),
        });
      }
    }
    await this.router.register(sources);
  }

  private async start(): Promise<void> {
    const kafka = createKafka(this.config.kafka, 'engine-admin');
    await startWhenKafkaIsReachable(
      kafka,
      this.config.topics,
      async () => {
        await this.producer.connect();
        await this.admin.connect();
        const { journeyTopic } = this.config.engine;
        const partitions = await journeyPartitionCount(kafka, journeyTopic);
        await this.directory.claimLayout(journeyTopic, partitions);
        this.router.useJourneyPartitions(partitions);
        await this.consumer.start();
        this.logger.log({ groupId: this.config.engine.groupId }, 'consuming event topics');
      },
      this.logger,
      () => this.stopping,
      [this.config.engine.journeyTopic],
    ).catch(() => undefined);
  }
}
