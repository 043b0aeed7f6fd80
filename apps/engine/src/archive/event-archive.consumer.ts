import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EachBatchPayload } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { TOPICS } from '@ctxb/events';
import { METRICS_REGISTRY } from '@ctxb/observability';
import {
  ContextRecordStore,
  createClickHouse,
  eventRow,
  fromClickHouseDateTime,
  LakeChanges,
  RawEventStore,
  type EventRow,
} from '@ctxb/store';
import {
  CoalescingBatcher,
  createKafka,
  readEventRecord,
  SupervisedConsumer,
} from '@ctxb/streaming';

/**
 * Archives every valid event of the event topics into the store's raw events table, in its
 * own consumer group beside the engine (a new group starts where the engine's would:
 * `engine.startFromBeginning`). Records that are not valid events are skipped here
 * (the engine's intake dead-letters them). A batch's offsets are resolved only once its rows
 * are inserted, so a restart archives again what might be missing, and while ClickHouse is
 * down the consumer waits (and retries) rather than moving on. Inserts from all partitions
 * are coalesced into few large ones.
 */
@Injectable()
export class EventArchiveConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventArchive');
  private readonly clickhouse: ClickHouseClient;
  private readonly consumer: SupervisedConsumer;
  private readonly inserts: CoalescingBatcher<EventRow>;
  private readonly outcomes: Counter<'topic' | 'outcome'>;

  constructor(
    private readonly config: AppConfig,
    lake: LakeChanges,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.clickhouse = createClickHouse(config.clickhouse);
    const store = new RawEventStore(this.clickhouse);
    this.inserts = new CoalescingBatcher(
      async (rows) => {
        await store.write(rows);
        // The hours written to, each read once (a batch spans few of them).
        const hours = new Set(rows.map((r) => r.time.slice(0, 13)));
        lake.add(
          'events',
          [...hours].map((hour) => fromClickHouseDateTime(`${hour}:00:00`)),
        );
      },
      {
        lingerMs: config.archive.insertLingerMs,
        maxItems: config.archive.insertMaxEvents,
      },
    );
    this.outcomes = new Counter({
      name: 'ctxb_archive_records_total',
      help: 'Event records read by the archive: archived, or skipped (not a valid event)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    this.consumer = new SupervisedConsumer(
      createKafka(config.kafka, 'archive'),
      {
        groupId: config.archive.groupId,
        topics: TOPICS,
        fromBeginning: config.engine.startFromBeginning,
        sessionTimeoutMs: config.engine.sessionTimeoutMs,
        partitionsInParallel: config.topics.partitions * TOPICS.length,
        eachBatch: (payload) => this.archive(payload),
        doing: 'archiving events',
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.archive.enabled)
      this.consumer.start(this.config.topics, () =>
        new ContextRecordStore(this.clickhouse).ensureSchema(),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.clickhouse.close().catch(() => undefined);
  }

  private async archive({ batch }: EachBatchPayload): Promise<void> {
    const rows: EventRow[] = [];
    for (const message of batch.messages) {
      const read = readEventRecord(message);
      if ('event' in read) rows.push(eventRow(read.event, batch.topic, read.json));
    }
    await this.inserts.add(rows);
    this.outcomes.inc({ topic: batch.topic, outcome: 'archived' }, rows.length);
    if (batch.messages.length > rows.length)
      this.outcomes.inc(
        { topic: batch.topic, outcome: 'skipped' },
        batch.messages.length - rows.length,
      );
  }
}
