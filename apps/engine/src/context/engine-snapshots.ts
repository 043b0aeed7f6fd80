import type Redis from 'ioredis';
import { applyChanges, type EngineChanges, type EngineSnapshot } from '@ctxb/context';

/** How much a partition's saved state is made of, in bytes of JSON. */
export interface SavedSize {
  /** The snapshot of the whole. */
  whole: number;
  /** The changes saved after it, and how many. */
  changes: number;
  count: number;
}

export interface SavedPartition {
  /** The last journey-topic offset the state includes. */
  offset: number;
  state: EngineSnapshot;
  size: SavedSize;
}

const SAVE_WHOLE = `local current = redis.call('HGET', KEYS[1], 'offset')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'state', ARGV[2], 'changes', 0)
return 1`;

const SAVE_CHANGES = `local current = redis.call('HGET', KEYS[1], 'offset')
if not current or tonumber(current) ~= tonumber(ARGV[1]) then return 0 end
local count = redis.call('HINCRBY', KEYS[1], 'changes', 1)
redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'changes:' .. count, ARGV[3])
return 1`;

interface SnapshotCommands {
  ctxbSaveSnapshot(key: string, offset: number, state: string): Promise<number>;
  ctxbSaveChanges(key: string, from: number, offset: number, changes: string): Promise<number>;
}

/**
 * Engine state per journey-topic partition, saved in Redis together with the offset it is
 * valid for: a snapshot of the whole, then the changes after it, each appended with its own
 * offset (one hash per partition, written by Lua scripts, so a save is all or nothing).
 *
 * A save never goes backwards: after a rebalance an old owner may still finish a batch, and
 * its older state must not replace a newer one (both are correct for their offsets, because
 * the engine is deterministic). Changes are appended only to the state they were taken
 * after — the one saved at `from` — and refused otherwise, so a chain never mixes two owners.
 */
export class EngineSnapshots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('ctxbSaveSnapshot', { numberOfKeys: 1, lua: SAVE_WHOLE });
    redis.defineCommand('ctxbSaveChanges', { numberOfKeys: 1, lua: SAVE_CHANGES });
  }

  /** The saved state: the snapshot with every change saved after it applied. */
  async load(topic: string, partition: number): Promise<SavedPartition | undefined> {
    const saved = await this.redis.hgetall(this.key(topic, partition));
    if (saved.offset === undefined || saved.state === undefined) return undefined;
    const count = Number(saved.changes ?? 0);
    const changes: EngineChanges[] = [];
    let changeBytes = 0;
    for (let i = 1; i <= count; i++) {
      const text = saved[`changes:${i}`];
      if (text === undefined)
        throw new Error(`engine state of ${topic}[${partition}] lacks its changes ${i}`);
      changeBytes += text.length;
      changes.push(JSON.parse(text) as EngineChanges);
    }
    return {
      offset: Number(saved.offset),
      state: applyChanges(JSON.parse(saved.state) as EngineSnapshot, changes),
      size: { whole: saved.state.length, changes: changeBytes, count },
    };
  }

  /** Saves the whole state; its bytes, or undefined when a newer state is already there. */
  async save(
    topic: string,
    partition: number,
    offset: number,
    state: EngineSnapshot,
  ): Promise<number | undefined> {
    const text = JSON.stringify(state);
    const saved = await this.commands().ctxbSaveSnapshot(this.key(topic, partition), offset, text);
    return saved === 1 ? text.length : undefined;
  }

  /**
   * Appends the changes taken after the state saved at `from`; their bytes, or undefined when
   * the saved state is not that one (another owner saved meanwhile, or nothing is saved).
   */
  async saveChanges(
    topic: string,
    partition: number,
    from: number,
    offset: number,
    changes: EngineChanges,
  ): Promise<number | undefined> {
    const text = JSON.stringify(changes);
    const saved = await this.commands().ctxbSaveChanges(
      this.key(topic, partition),
      from,
      offset,
      text,
    );
    return saved === 1 ? text.length : undefined;
  }

  private commands(): SnapshotCommands {
    return this.redis as unknown as SnapshotCommands;
  }

  private key(topic: string, partition: number): string {
    return `${this.prefix}:engine:snapshot:${topic}:${partition}`;
  }
}
