import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** Pairs up to this length are used as they are; longer ones are hashed. */
const PLAIN_KEY_CHARS = 120;

/**
 * The deduplication key of an event: (source, id) itself, as `<source length>:<source><id>`
 * (the length keeps `a`+`bc` apart from `ab`+`c`), or `#` and its SHA-256 when the pair is
 * long, so a key never exceeds ~50 characters beyond PLAIN_KEY_CHARS. Hashing every pair was
 * a visible share of the collector's CPU; typical pairs are short.
 */
export function deduplicationKey(source: string, id: string): string {
  if (source.length + id.length <= PLAIN_KEY_CHARS) return `${source.length}:${source}${id}`;
  return `#${createHash('sha256').update(source).update('\0').update(id).digest('base64url')}`;
}

/** SET NX PX for every key in one round trip; 1 where this call set the key. */
const CLAIM_SCRIPT = `
local claimed = {}
for i, key in ipairs(KEYS) do
  claimed[i] = redis.call('SET', key, '1', 'PX', ARGV[1], 'NX') and 1 or 0
end
return claimed`;

type ClaimKeys = (keyCount: number, ...keysThenWindow: (string | number)[]) => Promise<number[]>;

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
  ) {
    // The number of keys varies per call, so it is passed first (numberOfKeys left out).
    redis.defineCommand('ctxbClaimKeys', { lua: CLAIM_SCRIPT });
  }

  /**
   * For each key: true when this call claimed it (first seen), false for a duplicate. One
   * script call per batch (a pipeline of one SET per key cost the collector more CPU than
   * Redis did); ioredis sends it by SHA and reloads it after a Redis restart.
   */
  async claim(keys: string[]): Promise<boolean[]> {
    if (this.windowMs === 0 || keys.length === 0) return keys.map(() => true);
    const claim = (this.redis as unknown as { ctxbClaimKeys: ClaimKeys }).ctxbClaimKeys;
    const replies = await claim.call(
      this.redis,
      keys.length,
      ...keys.map((key) => this.redisKey(key)),
      this.windowMs,
    );
    return replies.map((reply) => reply === 1);
  }

  async release(keys: string[]): Promise<void> {
    if (this.windowMs === 0 || keys.length === 0) return;
    await this.redis.del(...keys.map((k) => this.redisKey(k)));
  }

  private redisKey(key: string): string {
    return `${this.namespace}:${key}`;
  }
}
