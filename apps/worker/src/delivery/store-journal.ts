import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { GroupCommit, type DeliveryAttempt, type DeliveryJournal } from '@ctxb/delivery';
import { withTimeout } from '@ctxb/health';
import {
  type ContextRecordStore,
  type DeliveryLogStore,
  type ErpAmountStore,
  type LinkedDocumentKind,
} from '@ctxb/store';

/** Where journaled attempts go: the delivery log, document links, ERP amounts read back. */
export interface JournalStores {
  log: DeliveryLogStore;
  contexts: ContextRecordStore;
  amounts: ErpAmountStore;
}

/** The kind of document link a target's records are, for the drill-down from the ERP side. */
const LINKED_KIND: Record<string, LinkedDocumentKind> = {
  om: 'erp-order',
  ar: 'erp-invoice',
  gl: 'erp-journal',
  crm: 'crm',
};

const GROUP = 'store';
/** The stream field of an entry holding a batch of attempts. */
const BATCH = 'b';
/** At most this many attempts to an entry. */
const ATTEMPTS_PER_ENTRY = 500;

/**
 * Journals attempts through a Redis stream into the store: a job waits only for its entry to
 * be in Redis (a fraction of a millisecond, durable like the job itself), and every worker
 * moves what the stream holds into ClickHouse in large inserts (the delivery log, the ERP
 * records written back as the context's document links, and the ERP amounts read back). Workers share the stream as one
 * consumer group; entries a stopped worker took and did not store are taken over after
 * `claimAfterMs`. An entry may be stored twice after a crash; none is lost.
 */
export class StoreJournal implements DeliveryJournal {
  private readonly logger = new Logger('DeliveryJournal');
  private readonly consumer = `worker-${process.pid}-${Date.now().toString(36)}`;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly stores: JournalStores,
    private readonly options: { intervalMs: number; batch: number; claimAfterMs: number },
  ) {}

  /** Attempts recorded while an entry is being added go together in the next one. */
  private readonly entries = new GroupCommit<DeliveryAttempt, void>(
    async (attempts) => {
      await this.redis.xadd(this.stream, '*', BATCH, JSON.stringify(attempts));
      return attempts.map(() => undefined);
    },
    { parallel: 1, maxBatch: ATTEMPTS_PER_ENTRY },
  );

  record(attempt: DeliveryAttempt): Promise<void> {
    return this.entries.submit(attempt);
  }

  async start(): Promise<void> {
    await this.redis.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM').catch((e: Error) => {
      if (!e.message.includes('BUSYGROUP')) throw e;
    });
    const tick = () => {
      this.draining = this.drain()
        .catch((error: Error) => this.logger.warn(`storing delivery attempts: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    tick();
  }

  /**
   * Stores what is left and stops. With Redis unreachable it does not wait for it: what the
   * stream holds stays there for the next worker.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await withTimeout(this.draining, 5000, 'storing delivery attempts').catch(() => undefined);
    if (this.redis.status === 'ready') await this.drain().catch(() => undefined);
  }

  /** Moves entries into the store until the stream has none for this worker. */
  private async drain(): Promise<void> {
    for (;;) {
      const claimed = (await this.redis.xautoclaim(
        this.stream,
        GROUP,
        this.consumer,
        this.options.claimAfterMs,
        '0',
        'COUNT',
        this.options.batch,
      )) as [string, [string, string[]][]];
      const taken = [...claimed[1], ...(await this.read())];
      if (taken.length === 0) return;
      const attempts = taken.flatMap(([, fields]) => revive(fields));
      await this.store(attempts);
      const ids = taken.map(([id]) => id);
      await this.redis.xack(this.stream, GROUP, ...ids);
      await this.redis.xdel(this.stream, ...ids);
      if (taken.length < this.options.batch) return;
    }
  }

  private async read(): Promise<[string, string[]][]> {
    const answer = (await this.redis.xreadgroup(
      'GROUP',
      GROUP,
      this.consumer,
      'COUNT',
      this.options.batch,
      'STREAMS',
      this.stream,
      '>',
    )) as [string, [string, string[]][]][] | null;
    return answer?.[0]?.[1] ?? [];
  }

  private async store(attempts: DeliveryAttempt[]): Promise<void> {
    await this.stores.contexts.linkDocuments(
      attempts
        .filter((a) => a.status === 'written' || a.status === 'current')
        .flatMap((a) =>
          a.recordIds.map((id) => ({
            kind: LINKED_KIND[a.target],
            id,
            contextReferenceId: a.contextReferenceId,
            system: a.connector,
            linkedAt: a.at,
          })),
        ),
    );
    await this.stores.amounts.write(attempts);
    await this.stores.log.write(attempts);
  }
}

/**
 * The attempts of a stream entry: field `b`, a JSON array of them; or field `a`, one attempt
 * (as workers before batching wrote them, drained after an upgrade).
 */
function revive(fields: string[]): DeliveryAttempt[] {
  const [name, text] = fields;
  const parsed = JSON.parse(text) as unknown;
  const attempts = (name === BATCH ? parsed : [parsed]) as (DeliveryAttempt & { at: string })[];
  return attempts.map((attempt) => ({ ...attempt, at: new Date(attempt.at) }));
}
