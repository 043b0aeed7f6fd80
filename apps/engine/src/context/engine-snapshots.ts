import type Redis from 'ioredis';
import type { EngineSnapshot } from '@ctxb/context';

export interface SavedPartition {
  /** The last journey-topic offset the state includes. */
  offset: number;
  state: EngineSnapshot;
}

/**
 * Engine state per journey-topic partition, saved in Redis together with the offset it is
 * valid for. A save never goes backwards: after a rebalance an old owner may still finish a
 * batch, and its older state must not replace a newer one (both are correct for their offsets,
 * because the engine is deterministic).
 */
export class EngineSnapshots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('ctxbSaveSnapshot', {
      numberOfKeys: 1,
      lua: `local current = redis.call('HGET', KEYS[1], 'offset')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'state', ARGV[2])
return 1`,
    });
  }

  async load(topic: string, partition: number): Promise<SavedPartition | undefined> {
    const [offset, state] = await this.redis.hmget(this.key(topic, partition), 'offset', 'state');
    if (offset === null || state === null) return undefined;
    return { offset: Number(offset), state: JSON.parse(state) as EngineSnapshot };
  }

  /** True when saved; false when a newer state is already there. */
  async save(topic: string, partition: number, saved: SavedPartition): Promise<boolean> {
    const result = await (
      this.redis as unknown as { ctxbSaveSnapshot(...a: (string | number)[]): Promise<number> }
    ).ctxbSaveSnapshot(this.key(topic, partition), saved.offset, JSON.stringify(saved.state));
    return result === 1;
  }

  private key(topic: string, partition: number): string {
    return `${this.prefix}:engine:snapshot:${topic}:${partition}`;
  }
}
