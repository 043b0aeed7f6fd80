import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { LinkTarget } from '@ctxb/config';
import { contextFields, type ContextFields } from '@ctxb/connector-sdk';
import { newestVersions, type ContextRecord } from '@ctxb/context';
import type { LinkRoute } from './link-routes';

/**
 * What the worker needs to link one context version into one target: the fields the target
 * reads (see LinkRoute.reads), or the whole record when its route names none. Jobs queued
 * before fields were carried hold the record and no order id; both are read still.
 */
export interface LinkJobData {
  contextReferenceId: string;
  version: number;
  connector: string;
  target: LinkTarget;
  orderId?: string;
  fields?: ContextFields;
  record?: ContextRecord;
}

/** The order a job's context is of. */
export function jobOrderId(data: LinkJobData): string {
  return data.orderId ?? data.record?.order.orderId ?? '';
}

/** A job's data for one context version on one route. */
export function linkJobData(route: LinkRoute, record: ContextRecord): LinkJobData {
  return {
    contextReferenceId: record.contextReferenceId,
    version: record.version,
    connector: route.connector,
    target: route.target,
    orderId: record.order.orderId,
    ...(route.reads ? { fields: contextFields(record, route.reads) } : { record }),
  };
}

/**
 * The job id makes enqueueing idempotent: BullMQ keeps one job per id in a queue, so a
 * replayed context version does not link twice. Dots, not colons (BullMQ reserves ":").
 */
export function linkJobId(contextReferenceId: string, version: number, target: LinkTarget): string {
  return `${contextReferenceId}.v${version}.${target}`;
}

/** BullMQ's name for the backoff the worker computes (see RetryPolicy). */
export const LINK_BACKOFF = 'jittered-exponential';

/**
 * BullMQ's own attempt limit, far above any policy: the worker decides when a job has failed
 * for good and dead-letters it itself, with the reason.
 */
const ATTEMPTS_CEILING = 1_000_000;

/** Options of a link job, for the engine's first enqueue and for a replay alike. */
export function linkJobOptions(jobId: string, keepCompletedSeconds: number): JobsOptions {
  return {
    jobId,
    attempts: ATTEMPTS_CEILING,
    backoff: { type: LINK_BACKOFF },
    removeOnComplete: { age: keepCompletedSeconds },
    removeOnFail: false,
    // A record waited for all day fails hundreds of times: keep the last stacks only.
    stackTraceLimit: 3,
  };
}

/**
 * Enqueues, for the newest version of each context in a batch of new versions, one link job
 * per connector target (so the newest version of every context always has its jobs).
 */
export class LinkJobProducer {
  private readonly queues: { route: LinkRoute; queue: Queue<LinkJobData> }[];

  constructor(
    routes: readonly LinkRoute[],
    connection: ConnectionOptions,
    prefix: string,
    private readonly keepCompletedSeconds: number,
  ) {
    this.queues = routes.map((route) => ({
      route,
      queue: new Queue<LinkJobData>(route.queue, { connection, prefix }),
    }));
  }

  async enqueue(records: readonly ContextRecord[]): Promise<void> {
    if (records.length === 0 || this.queues.length === 0) return;
    const newest = newestVersions(records);
    await Promise.all(
      this.queues.map(({ route, queue }) =>
        queue.addBulk(
          newest.map((record) => ({
            name: route.target,
            data: linkJobData(route, record),
            opts: linkJobOptions(
              linkJobId(record.contextReferenceId, record.version, route.target),
              this.keepCompletedSeconds,
            ),
          })),
        ),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map(({ queue }) => queue.close()));
  }
}
