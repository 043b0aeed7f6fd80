import { Queue, type ConnectionOptions } from 'bullmq';
import type { LinkTarget } from '@ctxb/config';
import { newestVersions, type ContextRecord } from '@ctxb/context';

/** What the worker needs to link one context version into one target. */
export interface LinkJobData {
  contextReferenceId: string;
  version: number;
  orderId: string;
  target: LinkTarget;
}

/**
 * The job id makes enqueueing idempotent: BullMQ keeps one job per id, so a replayed context
 * version does not link twice. Dots, not colons (BullMQ reserves ":" in ids).
 */
export function linkJobId(contextReferenceId: string, version: number, target: LinkTarget): string {
  return `${contextReferenceId}.v${version}.${target}`;
}

/**
 * Enqueues one link job per configured target for the newest version of each context in a
 * batch of new versions (so the newest version of every context always has its jobs).
 */
export class LinkJobProducer {
  private readonly queue: Queue<LinkJobData>;

  constructor(
    queueName: string,
    connection: ConnectionOptions,
    private readonly targets: readonly LinkTarget[],
    prefix: string,
  ) {
    this.queue = new Queue<LinkJobData>(queueName, { connection, prefix });
  }

  async enqueue(records: readonly ContextRecord[]): Promise<void> {
    if (records.length === 0 || this.targets.length === 0) return;
    await this.queue.addBulk(
      newestVersions(records).flatMap((r) =>
        this.targets.map((target) => ({
          name: target,
          data: {
            contextReferenceId: r.contextReferenceId,
            version: r.version,
            orderId: r.order.orderId,
            target,
          },
          opts: {
            jobId: linkJobId(r.contextReferenceId, r.version, target),
            attempts: 10,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: 7 * 86_400 },
            removeOnFail: false,
          },
        })),
      ),
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
