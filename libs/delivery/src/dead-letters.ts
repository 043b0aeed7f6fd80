import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import { linkJobOptions, type LinkJobData } from './link-jobs';
import { deadLetterQueueName } from './link-routes';

/** A link job that failed for good: where it came from, why, and its whole payload. */
export interface DeadLetter {
  /** Its id in the dead-letter queue: `<source queue>.<job id>`. */
  id: string;
  queue: string;
  jobId: string;
  reason: string;
  failureKind: string;
  tries: number;
  deadAt: string;
  data: LinkJobData;
}

type DeadLetterData = Omit<DeadLetter, 'id'>;

/**
 * The dead-letter queue of link jobs: a BullMQ queue nobody consumes, one entry per failed
 * job (a job that fails again replaces its entry). Replaying puts the job back into its queue
 * under its own id, so the target's idempotency still holds.
 */
export class DeadLetters {
  private readonly queue: Queue<DeadLetterData>;
  private readonly sources = new Map<string, Queue<LinkJobData>>();

  constructor(
    queuePrefix: string,
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly keepCompletedSeconds: number,
  ) {
    this.queue = new Queue<DeadLetterData>(deadLetterQueueName(queuePrefix), {
      connection,
      prefix,
    });
  }

  async add(letter: DeadLetterData): Promise<string> {
    const id = `${letter.queue}.${letter.jobId}`;
    const existing = await this.queue.getJob(id);
    if (existing) await existing.remove();
    await this.queue.add(letter.queue, letter, { jobId: id, removeOnComplete: true });
    return id;
  }

  /** Oldest first; `queue` keeps those of one connector target. */
  async list(
    page: { offset: number; limit: number },
    queue?: string,
  ): Promise<{ total: number; letters: DeadLetter[] }> {
    if (queue === undefined) {
      const [total, jobs] = await Promise.all([
        this.queue.getWaitingCount(),
        this.queue.getJobs(['waiting'], page.offset, page.offset + page.limit - 1, true),
      ]);
      return { total, letters: jobs.map(letterOf) };
    }
    const all = await this.waiting(queue);
    return {
      total: all.length,
      letters: all.slice(page.offset, page.offset + page.limit).map(letterOf),
    };
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const job = await this.queue.getJob(id);
    return job ? letterOf(job) : undefined;
  }

  async count(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  /**
   * Puts letters back into their queues and removes them from here. The finished job of the
   * same id, still kept in its queue, is removed first, or BullMQ would take the replay for a
   * duplicate; a job that is still finishing (it has just been dead-lettered) is waited for.
   * Answers the ids replayed; unknown ones, and ones whose job did not finish within
   * `settleMs`, are left out (and stay here).
   */
  async replay(ids: readonly string[], settleMs = 10_000): Promise<string[]> {
    const replayed: string[] = [];
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (!job) continue;
      const source = this.source(job.data.queue);
      if (!(await removeWhenFinished(source, job.data.jobId, settleMs))) continue;
      await source.add(
        job.data.data.target,
        job.data.data,
        linkJobOptions(job.data.jobId, this.keepCompletedSeconds),
      );
      await job.remove();
      replayed.push(id);
    }
    return replayed;
  }

  /** Removes letters for good; answers the ids removed. */
  async purge(ids: readonly string[]): Promise<string[]> {
    const purged: string[] = [];
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (!job) continue;
      await job.remove();
      purged.push(id);
    }
    return purged;
  }

  /** Every letter's id, oldest first (for `--all`). */
  async ids(queue?: string): Promise<string[]> {
    return (await this.waiting(queue)).map((job) => job.id!);
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), ...[...this.sources.values()].map((q) => q.close())]);
  }

  /** Every letter, oldest first; `queue` keeps those of one connector target. */
  private async waiting(queue?: string): Promise<Job<DeadLetterData>[]> {
    const jobs = await this.queue.getJobs(['waiting'], 0, -1, true);
    return queue === undefined ? jobs : jobs.filter((job) => job.data.queue === queue);
  }

  private source(name: string): Queue<LinkJobData> {
    let queue = this.sources.get(name);
    if (!queue) {
      queue = new Queue<LinkJobData>(name, { connection: this.connection, prefix: this.prefix });
      this.sources.set(name, queue);
    }
    return queue;
  }
}

/** Removes a queue's job of that id once it is not running; false if it still runs after `settleMs`. */
async function removeWhenFinished(
  queue: Queue<LinkJobData>,
  jobId: string,
  settleMs: number,
): Promise<boolean> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const previous = await queue.getJob(jobId);
    if (!previous) return true;
    if (!(await previous.isActive())) {
      await previous.remove();
      return true;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function letterOf(job: Job<DeadLetterData>): DeadLetter {
  return { id: job.id!, ...job.data };
}
