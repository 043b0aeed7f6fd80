import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** The deduplication key of an event: (source, id), hashed to a bounded length. */
export function deduplicationKey(source: string, id: string): string {
  return createHash('sha256').update(source).update('\0').update(id).digest('base64url');
}

/**
 * Remembers (source, id) pairs for a window in Redis, so a retried delivery of the same
 * event is taken once. `claim` marks keys atomically per key (SET NX PX); a caller whose
 * publish then fails must `release` its claims, or the retry would be dropped as a duplicate.
 */
export class EventDeduplicator {
  constructor(
    private readonly redis: Redis,
    /** e.g. `ctxb:dedup:collector`: each stage deduplicates in its own namespace. */
    private readonly namespace: string,
    private readonly windowMs: number,
  ) {}

  /** For each key: true when this call claimed it (first seen), false for a duplicate. */
  async claim(keys: string[]): Promise<boolean[]> {
    if (this.windowMs === 0 || keys.length === 0) return keys.map(() => true);
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.set(this.redisKey(key), '1', 'PX', this.windowMs, 'NX');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, reply]) => {
      if (error) throw error;
      return reply === 'OK';
    });
  }

  async release(keys: string[]): Promise<void> {
    if (this.windowMs === 0 || keys.length === 0) return;
    await this.redis.del(...keys.map((k) => this.redisKey(k)));
  }

  private redisKey(key: string): string {
    return `${this.namespace}:${key}`;
  }
}
