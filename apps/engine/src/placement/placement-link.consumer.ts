import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { placementRecord, type ContextOptions, type ContextRecord } from '@ctxb/context';
import { LinkJobProducer, type LinkRoute } from '@ctxb/delivery';
import { EVENT_CATALOGUE } from '@ctxb/events';
import { METRICS_REGISTRY } from '@ctxb/observability';
import {
  createKafka,
  engineConsumerGroups,
  readEventRecord,
  redisConnectionOptions,
  SupervisedConsumer,
} from '@ctxb/streaming';
import { contextOptionsFrom } from '../context/context-options.factory';
import { engineLinkRoutes } from '../link-routes';

/**
 * Links each order the moment it is placed: reads the order topic in a consumer group of its
 * own (`<engine.groupId>.placement`) and queues version 0 of each order's context (its
 * reference, see placementRecord) for the targets whose profile asks for it. It does nothing
 * else, so no batch of the intake's (journey routing, event-time bookkeeping) stands between an
 * `order.placed` and its job. Offsets are resolved once the jobs are queued; a restart queues
 * some again, which their ids make no-ops. Records that are not valid events are skipped (the
 * intake dead-letters them). Runs only when some target links on placement.
 */
@Injectable()
export class PlacementLinkConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PlacementLinks');
  private readonly routes: LinkRoute[];
  private readonly options: Partial<ContextOptions>;
  private readonly links: LinkJobProducer | undefined;
  private readonly consumer: SupervisedConsumer | undefined;
  private readonly queued: Counter;

  constructor(
    private readonly config: AppConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.routes = engineLinkRoutes(config, (c) => c.placementTargets);
    this.options = contextOptionsFrom(config);
    this.queued = new Counter({
      name: 'ctxb_engine_placement_links_total',
      help: 'Orders placed whose reference was queued at once (version 0) for the targets that link on placement',
      registers: [registry],
    });
    if (this.routes.length === 0) return;
    this.links = new LinkJobProducer(
      this.routes,
      redisConnectionOptions(config.redis),
      `${config.redis.keyPrefix}:bull`,
      config.links.keepCompletedSeconds,
    );
    this.consumer = new SupervisedConsumer(
      createKafka(config.kafka, 'placement'),
      {
        groupId: engineConsumerGroups(config.engine.groupId).placement,
        topics: [EVENT_CATALOGUE.get('order.placed')!.topic],
        fromBeginning: config.engine.startFromBeginning,
        sessionTimeoutMs: config.engine.sessionTimeoutMs,
        partitionsInParallel: config.topics.partitions,
        eachBatch: (payload) => this.link(payload),
        doing: `linking orders on placement into ${this.routes.map((r) => r.queue).join(', ')}`,
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.consumer?.start(this.config.topics);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.links?.close().catch(() => undefined);
  }

  private async link({ batch }: EachBatchPayload): Promise<void> {
    const records: ContextRecord[] = [];
    for (const message of batch.messages) {
      const read = readEventRecord(message);
      const record = 'event' in read ? placementRecord(read.event, this.options) : undefined;
      if (record) records.push(record);
    }
    await this.links!.enqueue(records);
    this.queued.inc(records.length);
  }
}
