import { Logger } from '@nestjs/common';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { ContextRecord } from '@ctxb/context';
import {
  DeliveryFailure,
  type ContextFields,
  type ErpAmount,
  type LinkOutcome,
  type LinkRequest,
  type LinkTargetWriter,
} from '@ctxb/connector-sdk';
import type { DeadLetters } from './dead-letters';
import { GroupCommit } from './group-commit';
import { jobOrderId, LINK_BACKOFF, type LinkJobData } from './link-jobs';
import type { LinkRoute } from './link-routes';
import { afterFailure, backoffDelay, type RetryPolicy } from './retry-policy';

export const DELIVERY_STATUSES = [
  'written',
  'current',
  'none',
  'retrying',
  'dead-lettered',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * How often a link job may be lost by its worker (killed, or its process blocked past the
 * lock) and still run again. BullMQ allows one, for jobs that may not be safe to repeat; a
 * link job is (a version is written once, never over a newer one), so a few more. The bound
 * stays for a job that takes its worker down each time it runs: it ends as a dead letter.
 */
export const MAX_STALLS = 5;

/** One try of one link job, as the delivery log keeps it. */
export interface DeliveryAttempt {
  at: Date;
  connector: string;
  target: string;
  contextReferenceId: string;
  version: number;
  orderId: string;
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
  status: DeliveryStatus;
  /** The target's records written or found current (order numbers, invoice numbers, journal ids). */
  recordIds: string[];
  /** The money those records hold, when the connector reads it back (see ErpAmount). */
  amounts?: ErpAmount[];
  failureKind: string;
  error: string;
  durationMs: number;
}

/** Where attempts are recorded (the delivery log, and the ERP ids written back to the context). */
export interface DeliveryJournal {
  record(attempt: DeliveryAttempt): Promise<void>;
}

export interface LinkQueueWorkerOptions {
  route: LinkRoute;
  writer: LinkTargetWriter;
  policy: RetryPolicy;
  /** Jobs in flight; they are written in batches of up to this many. */
  concurrency: number;
  /** Batches written at once (the connector's connections). */
  parallelWrites: number;
  /** Jobs started per second; 0 for no limit. */
  maxPerSecond: number;
  connection: ConnectionOptions;
  prefix: string;
  deadLetters: DeadLetters;
  journal: DeliveryJournal;
  /**
   * How long a job's lock lasts without renewal, and how often locks are checked: a job of a
   * worker that died runs again after about this long (BullMQ's defaults: 30 s each).
   */
  locks?: { durationMs: number; checkEveryMs: number };
  /**
   * A stored context version, for a job whose fields lack a path the target reads now (queued
   * before its profile mapped it).
   */
  storedRecord?: (
    contextReferenceId: string,
    version: number,
  ) => Promise<ContextRecord | undefined>;
  /** A signed journey panel link for a context, given to the writer with each request. */
  panelLink?: (contextReferenceId: string) => string;
  now?: () => number;
}

/**
 * Runs the link jobs of one connector target. Jobs in flight are written together (see
 * GroupCommit); each outcome is journaled. A failure is retried with jittered backoff while
 * the retry policy allows, then dead-lettered with its reason; the job itself then completes,
 * so the dead letter is the one place that holds it.
 */
export class LinkQueueWorker {
  private readonly logger: Logger;
  private readonly worker: Worker<LinkJobData, DeliveryStatus>;
  private readonly commit: GroupCommit<LinkRequest, LinkOutcome>;
  private readonly now: () => number;
  /** Rate-limit answers in a row: the queue's pause doubles with each. */
  private rateLimits = 0;

  constructor(private readonly options: LinkQueueWorkerOptions) {
    this.logger = new Logger(`Delivery ${options.route.queue}`);
    this.now = options.now ?? Date.now;
    this.commit = new GroupCommit((batch) => options.writer.write(batch), {
      parallel: options.parallelWrites,
      maxBatch: options.concurrency,
    });
    this.worker = new Worker<LinkJobData, DeliveryStatus>(
      options.route.queue,
      (job) => this.process(job),
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
        autorun: false,
        maxStalledCount: MAX_STALLS,
        ...(options.locks
          ? { lockDuration: options.locks.durationMs, stalledInterval: options.locks.checkEveryMs }
          : {}),
        limiter:
          options.maxPerSecond > 0 ? { max: options.maxPerSecond, duration: 1000 } : undefined,
        settings: {
          backoffStrategy: (made, type) =>
            type === LINK_BACKOFF ? backoffDelay(made, options.policy) : options.policy.backoffMs,
        },
      },
    );
    // BullMQ reports Redis trouble here; ioredis reconnects by itself, and the worker resumes.
    this.worker.on('error', (error) => this.logger.warn(`queue error: ${error.message}`));
    // A job whose worker stopped renewing its lock (killed, or its process blocked) runs again.
    this.worker.on('stalled', (jobId) =>
      this.logger.warn(`${jobId} stalled: its worker lost it; it runs again`),
    );
    // Failures BullMQ decides itself, without calling process(): a job that stalled more often
    // than allowed. Link jobs are safe to run again, so it is dead-lettered like any other
    // failure for good, where it can be replayed, rather than left in BullMQ's failed set.
    this.worker.on('failed', (job, error) => {
      if (!job || error.name !== 'UnrecoverableError') return;
      const attempt = job.attemptsMade + 1;
      void this.deadLetter(job, { kind: 'unknown', reason: error.message, attempt }).catch(
        (e: Error) =>
          this.logger.error(`${job.id} failed (${error.message}), not dead-lettered: ${e.message}`),
      );
    });
  }

  start(): void {
    void this.worker.run().catch((error: Error) => {
      this.logger.error(`worker stopped: ${error.message}`);
    });
  }

  async close(): Promise<void> {
    await this.worker.close();
  }

  private async process(job: Job<LinkJobData>): Promise<DeliveryStatus> {
    const started = this.now();
    const { data } = job;
    const attempt = job.attemptsMade + 1;
    const outcome = await this.readable(data)
      .then((record) =>
        this.commit.submit({
          contextReferenceId: data.contextReferenceId,
          version: data.version,
          record,
          ...(this.options.panelLink
            ? { panelUrl: this.options.panelLink(data.contextReferenceId) }
            : {}),
        }),
      )
      .catch((error: unknown): LinkOutcome => ({
        status: 'failed',
        failure:
          error instanceof DeliveryFailure
            ? error
            : new DeliveryFailure(
                'unknown',
                error instanceof Error ? error.message : String(error),
              ),
      }));
    const entry = (status: DeliveryStatus, more: Partial<DeliveryAttempt> = {}) =>
      this.entry(job, attempt, status, { durationMs: this.now() - started, ...more });
    if (outcome.status !== 'failed') {
      this.rateLimits = 0;
      await this.options.journal.record(
        entry(
          outcome.status,
          outcome.status === 'none'
            ? {}
            : {
                recordIds: outcome.recordIds,
                ...(outcome.amounts ? { amounts: outcome.amounts } : {}),
              },
        ),
      );
      return outcome.status;
    }
    const { failure } = outcome;
    const failed = { failureKind: failure.kind, error: failure.message };
    if (failure.kind === 'rate-limited') {
      // The target asks for less: the whole queue waits (a pause that doubles while it keeps
      // asking), and the job goes back without using up one of its tries.
      this.rateLimits++;
      // The retry backoff without its jitter: the queue pauses as a whole, nobody to spread.
      const pause = backoffDelay(this.rateLimits, this.options.policy, () => 0);
      await this.options.journal.record(entry('retrying', failed));
      await this.worker.rateLimit(pause);
      throw Worker.RateLimitError();
    }
    this.rateLimits = 0;
    const decision = afterFailure(
      failure,
      { made: attempt, firstAt: job.timestamp, now: this.now() },
      this.options.policy,
    );
    if (decision.retry) {
      await this.options.journal.record(entry('retrying', failed));
      throw failure;
    }
    await this.deadLetter(job, {
      kind: failure.kind,
      reason: decision.reason,
      attempt,
      durationMs: this.now() - started,
    });
    return 'dead-lettered';
  }

  /**
   * What the writer reads of a job's version: the fields it carries, unless they lack a path
   * the target reads now; then the version as the store keeps it.
   */
  private async readable(data: LinkJobData): Promise<ContextRecord | ContextFields> {
    if (!data.fields) {
      if (data.record) return data.record;
      throw new DeliveryFailure('mapping', 'the job carries neither fields nor a record');
    }
    const { fields } = data;
    const missing = (this.options.route.reads ?? []).filter((path) => !Object.hasOwn(fields, path));
    if (missing.length === 0) return fields;
    const stored = await this.options.storedRecord?.(data.contextReferenceId, data.version);
    if (stored) return stored;
    throw new DeliveryFailure(
      'configuration',
      `queued before the profile mapped ${missing.join(', ')}, and version ${data.version} is not in the store to read it from`,
    );
  }

  /** Journals a job's last try and keeps the job as a dead letter, with the reason. */
  private async deadLetter(
    job: Job<LinkJobData>,
    last: { kind: string; reason: string; attempt: number; durationMs?: number },
  ): Promise<void> {
    await this.options.journal.record(
      this.entry(job, last.attempt, 'dead-lettered', {
        failureKind: last.kind,
        error: last.reason,
        durationMs: last.durationMs ?? 0,
      }),
    );
    // Last, so a replay of the letter finds the job finishing, not still journaling.
    await this.options.deadLetters.add({
      queue: this.options.route.queue,
      jobId: job.id ?? '',
      reason: last.reason,
      failureKind: last.kind,
      tries: last.attempt,
      deadAt: new Date(this.now()).toISOString(),
      data: job.data,
    });
    this.logger.warn(`${job.id} dead-lettered: ${last.reason}`);
  }

  /** A try of a job as the delivery log keeps it. */
  private entry(
    job: Job<LinkJobData>,
    attempt: number,
    status: DeliveryStatus,
    more: Partial<DeliveryAttempt>,
  ): DeliveryAttempt {
    const { data } = job;
    return {
      at: new Date(this.now()),
      connector: this.options.route.connector,
      target: this.options.route.target,
      contextReferenceId: data.contextReferenceId,
      version: data.version,
      orderId: jobOrderId(data),
      jobId: job.id ?? '',
      attempt,
      status,
      recordIds: [],
      failureKind: '',
      error: '',
      durationMs: 0,
      ...more,
    };
  }
}
