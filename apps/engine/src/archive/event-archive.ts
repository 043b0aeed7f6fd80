import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { Counter, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { METRICS_REGISTRY } from '@ctxb/observability';
import {
  ContextRecordStore,
  createClickHouse,
  eventLines,
  fromClickHouseDateTime,
  LakeChanges,
  RawEventStore,
} from '@ctxb/store';
import { CoalescingBatcher, type ConsumedEvent } from '@ctxb/streaming';

/** Waits between insert attempts while ClickHouse refuses them: doubling, up to this. */
const RETRY_MAX_MS = 10_000;

/** One intake batch as it waits for its insert: its rows as Values text, in bytes. */
interface ArchivedBatch {
  text: Buffer;
  /** The hours its rows fall in (`YYYY-MM-DD HH`), for the lake. */
  hours: Set<string>;
  events: number;
}

/**
 * The raw-event archive: every valid event the intake reads goes into the store's events
 * table, as it came. The intake hands each batch over once it is routed and reads on; its
 * offsets are committed only once the batch is archived too, so a restart archives again
 * what might be missing. Inserts from all partitions are coalesced into few large ones. While
 * ClickHouse refuses them they are tried again (the intake reads on until too many batches
 * wait, then waits too); nothing is skipped. The intake closes it once it has stopped reading.
 * A batch waits as its rows' bytes (see eventLines), made when it is handed over: many
 * thousand row objects and texts kept for the insert's linger would each be copied by the
 * garbage collector before they are let go.
 */
@Injectable()
export class EventArchive {
  private readonly logger = new Logger('EventArchive');
  private readonly clickhouse: ClickHouseClient;
  private readonly inserts: CoalescingBatcher<ArchivedBatch>;
  private readonly archived: Counter<'topic'>;
  private readonly failures: Counter;
  private schema: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    lake: LakeChanges,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.clickhouse = createClickHouse(config.clickhouse);
    const store = new RawEventStore(this.clickhouse);
    const records = new ContextRecordStore(this.clickhouse);
    this.inserts = new CoalescingBatcher<ArchivedBatch>(
      (batches) =>
        this.untilDone(async () => {
          await (this.schema ??= records.ensureSchema().catch((error: unknown) => {
            this.schema = undefined;
            throw error;
          }));
          await store.writeLines(batches.map((b) => b.text));
          // The hours written to, each once (a batch spans few of them).
          const hours = new Set(batches.flatMap((b) => [...b.hours]));
          lake.add(
            'events',
            [...hours].map((hour) => fromClickHouseDateTime(`${hour}:00:00`)),
          );
        }),
      {
        lingerMs: config.archive.insertLingerMs,
        maxItems: config.archive.insertMaxEvents,
      },
      (batch) => batch.events,
    );
    this.archived = new Counter({
      name: 'ctxb_archive_events_total',
      help: 'Valid events inserted into the raw events table, by source topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'ctxb_archive_insert_failures_total',
      help: 'Raw-event inserts ClickHouse refused (each is tried again; the intake waits once too many batches do)',
      registers: [registry],
    });
  }

  get enabled(): boolean {
    return this.config.archive.enabled;
  }

  /** Settles once the events, read from `topic`, are in the events table. */
  async keep(events: readonly ConsumedEvent[], topic: string): Promise<void> {
    if (events.length === 0) return;
    await this.inserts.add([{ ...eventLines(events, topic), events: events.length }]);
    this.archived.inc({ topic }, events.length);
  }

  /** Gives what waits one more try (failing, it is read again after a restart), then closes. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.inserts.flush();
    await this.clickhouse.close().catch(() => undefined);
  }

  /** Runs `insert` until it succeeds, waiting longer after each failure; gives up only on stop. */
  private async untilDone(insert: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await insert();
      } catch (error) {
        this.failures.inc();
        if (this.stopping) throw error;
        const retryInMs = Math.min(RETRY_MAX_MS, 200 * 2 ** attempt);
        this.logger.warn(
          { err: String(error), retryInMs },
          'archiving events failed; trying again',
        );
        await new Promise((r) => setTimeout(r, retryInMs).unref());
        if (this.stopping) throw error;
      }
    }
  }
}
