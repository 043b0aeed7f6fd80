import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { applyChanges, type EngineChanges, type EngineSnapshot } from '@ctxb/context';
import { keysWithPrefix } from '@ctxb/streaming';

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
  /** Absent for a state saved in one piece by an earlier version: changes never follow it. */
  size?: SavedSize;
}

/** What is saved for one partition, told without reading the state (for operators). */
export interface SavedPartitionSummary {
  partition: number;
  /** The last journey-topic offset the state includes. */
  offset: number;
  /** `parts`: a whole in parts and the changes after it; `one piece`: an earlier version's. */
  form: 'parts' | 'one piece';
  /** Bytes in Redis of the whole state, and how many parts hold its lists. */
  wholeBytes: number;
  parts: number;
  /** The changes saved after the whole, and their bytes in Redis. */
  changes: number;
  changeBytes: number;
}

/** The lists of a snapshot that grow with the state; each is saved in parts. */
const LISTS = ['facts', 'orders', 'seen'] as const;
type ListName = (typeof LISTS)[number];

/**
 * Items of a list per part. A part is one JSON string and one Redis field, so neither V8's
 * longest string (about 512 MB) nor Redis's largest value bounds the state; one part of
 * facts is a few MB.
 */
const PART_ITEMS = 20_000;

/** How often a new owner looks whether the last owner's handover save is done. */
const HANDOVER_POLL_MS = 20;

/** A whole state is written beside the saved one first; left behind by a crash, it expires. */
const STAGING_TTL_SECONDS = 3600;

/** Moves a staged whole state in place unless a newer state is there already. */
const SAVE_WHOLE = `local current = redis.call('HGET', KEYS[1], 'offset')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('RENAME', KEYS[2], KEYS[1])
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'changes', 0)
return 1`;

const SAVE_CHANGES = `local current = redis.call('HGET', KEYS[1], 'offset')
if not current or tonumber(current) ~= tonumber(ARGV[1]) then return 0 end
if redis.call('HEXISTS', KEYS[1], 'state') == 1 then return 0 end
local count = redis.call('HINCRBY', KEYS[1], 'changes', 1)
redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'changes:' .. count, ARGV[3])
return 1`;

interface SnapshotCommands {
  ctxbSaveWhole(key: string, staged: string, offset: number): Promise<number>;
  ctxbSaveChanges(key: string, from: number, offset: number, changes: string): Promise<number>;
}

/**
 * Engine state per journey-topic partition, saved in Redis together with the offset it is
 * valid for: a snapshot of the whole, then the changes after it, each appended with its own
 * offset (one hash per partition). A whole state is written in parts to a staging hash and
 * moved in place by a Lua script; changes are appended by another: a save is all or nothing.
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
    private readonly partItems = PART_ITEMS,
  ) {
    redis.defineCommand('ctxbSaveWhole', { numberOfKeys: 2, lua: SAVE_WHOLE });
    redis.defineCommand('ctxbSaveChanges', { numberOfKeys: 1, lua: SAVE_CHANGES });
  }

  /**
   * The saved state: the snapshot with every change saved after it applied.
   *
   * Fields: `offset`; `whole` (the snapshot without its lists) and `parts` (how many parts of
   * each list: `facts:1` …); `changes` (how many) and `changes:1` …. A state saved in one piece
   * by an earlier version is `offset` and `state`, and wins whenever it is there: an earlier
   * version writes it (over anything else) during a rolling upgrade, and that version, finding
   * no `state`, replays rather than read a state it does not know.
   */
  async load(topic: string, partition: number): Promise<SavedPartition | undefined> {
    const where = `engine state of ${topic}[${partition}]`;
    const saved = await this.redis.hgetall(this.key(topic, partition));
    if (saved.offset === undefined) return undefined;
    const offset = Number(saved.offset);
    if (saved.state !== undefined)
      return { offset, state: JSON.parse(saved.state) as EngineSnapshot };
    if (saved.whole === undefined || saved.parts === undefined) return undefined;
    const field = (name: string): string => {
      const text = saved[name];
      if (text === undefined) throw new Error(`${where} lacks its ${name}`);
      return text;
    };
    let wholeBytes = saved.whole.length;
    const whole = JSON.parse(saved.whole) as EngineSnapshot;
    const parts = JSON.parse(saved.parts) as Record<ListName, number>;
    for (const list of LISTS) {
      const items: unknown[] = [];
      for (let i = 1; i <= parts[list]; i++) {
        const text = field(`${list}:${i}`);
        wholeBytes += text.length;
        for (const item of JSON.parse(text) as unknown[]) items.push(item);
      }
      (whole as unknown as Record<ListName, unknown[]>)[list] = items;
    }
    const changes: EngineChanges[] = [];
    let changeBytes = 0;
    const count = Number(saved.changes ?? 0);
    for (let i = 1; i <= count; i++) {
      const text = field(`changes:${i}`);
      changeBytes += text.length;
      changes.push(JSON.parse(text) as EngineChanges);
    }
    return {
      offset,
      state: applyChanges(whole, changes),
      size: { whole: wholeBytes, changes: changeBytes, count },
    };
  }

  /**
   * Saves the whole state (in parts, see PART_ITEMS); its bytes, or undefined when a newer
   * state is already there.
   */
  async save(
    topic: string,
    partition: number,
    offset: number,
    state: EngineSnapshot,
  ): Promise<number | undefined> {
    const key = this.key(topic, partition);
    // Of this save alone: two owners saving at once never write into one staging hash.
    const staged = `${key}:saving:${randomUUID()}`;
    const head = JSON.stringify({ ...state, facts: [], orders: [], seen: [] });
    const parts = Object.fromEntries(
      LISTS.map((list) => [list, Math.ceil(state[list].length / this.partItems)]),
    );
    let bytes = head.length;
    try {
      await this.redis
        .multi()
        .hset(staged, 'whole', head, 'parts', JSON.stringify(parts))
        .expire(staged, STAGING_TTL_SECONDS)
        .exec();
      for (const list of LISTS) {
        const items: readonly unknown[] = state[list];
        for (let i = 0; i < parts[list]; i++) {
          const text = JSON.stringify(items.slice(i * this.partItems, (i + 1) * this.partItems));
          bytes += text.length;
          await this.redis.hset(staged, `${list}:${i + 1}`, text);
        }
      }
      const saved = await this.commands().ctxbSaveWhole(key, staged, offset);
      return saved === 1 ? bytes : undefined;
    } catch (error) {
      await this.redis.del(staged).catch(() => undefined);
      throw error;
    }
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

  /**
   * Marks a partition as being handed over: its owner is saving it before another instance
   * takes it. The mark expires after `ttlMs`, so an owner that dies meanwhile holds the next
   * one up that long at most.
   */
  async markHandover(topic: string, partition: number, ttlMs: number): Promise<void> {
    await this.redis.set(this.handoverKey(topic, partition), '1', 'PX', ttlMs);
  }

  async clearHandover(topic: string, partition: number): Promise<void> {
    await this.redis.del(this.handoverKey(topic, partition));
  }

  /**
   * Waits until no handover of the partition is under way, `maxMs` at most: before a new
   * owner loads the state, so it need not fold in again what the last owner is saving. True
   * when there was none or it ended in time.
   */
  async handoverDone(topic: string, partition: number, maxMs: number): Promise<boolean> {
    const key = this.handoverKey(topic, partition);
    const deadline = Date.now() + maxMs;
    while ((await this.redis.exists(key)) === 1) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, HANDOVER_POLL_MS));
    }
    return true;
  }

  /**
   * What is saved for each partition of `topic`, in partition order, from the sizes Redis
   * keeps of each field; and how many staging hashes interrupted saves left (they expire).
   */
  async summaries(topic: string): Promise<{ saved: SavedPartitionSummary[]; staging: number }> {
    const head = this.key(topic, '');
    const keys: string[] = [];
    for await (const page of keysWithPrefix(this.redis, head)) keys.push(...page);
    const partitions = keys
      .map((key) => key.slice(head.length))
      .filter((rest) => /^\d+$/.test(rest))
      .map(Number)
      .sort((a, b) => a - b);
    const saved: SavedPartitionSummary[] = [];
    for (const partition of partitions) {
      const summary = await this.summary(this.key(topic, partition), partition);
      if (summary) saved.push(summary);
    }
    return { saved, staging: keys.filter((key) => key.includes(':saving:')).length };
  }

  private async summary(
    key: string,
    partition: number,
  ): Promise<SavedPartitionSummary | undefined> {
    const [offset, parts, count, oldState, whole] = await this.redis
      .multi()
      .hget(key, 'offset')
      .hget(key, 'parts')
      .hget(key, 'changes')
      .hstrlen(key, 'state')
      .hstrlen(key, 'whole')
      .exec()
      .then((replies) =>
        (replies ?? []).map(([error, value]) => (error ? null : (value as string | number | null))),
      );
    if (offset === null) return undefined;
    if (Number(oldState) > 0)
      return {
        partition,
        offset: Number(offset),
        form: 'one piece',
        wholeBytes: Number(oldState),
        parts: 1,
        changes: 0,
        changeBytes: 0,
      };
    const partCounts = JSON.parse(typeof parts === 'string' ? parts : '{}') as Partial<
      Record<ListName, number>
    >;
    const partFields = LISTS.flatMap((list) =>
      Array.from({ length: partCounts[list] ?? 0 }, (_, i) => `${list}:${i + 1}`),
    );
    const changes = Number(count ?? 0);
    const changeFields = Array.from({ length: changes }, (_, i) => `changes:${i + 1}`);
    const lengths = async (fields: string[]) => {
      const pipeline = this.redis.pipeline();
      for (const field of fields) pipeline.hstrlen(key, field);
      const replies = (await pipeline.exec()) ?? [];
      return replies.reduce((sum, [, value]) => sum + Number(value ?? 0), 0);
    };
    return {
      partition,
      offset: Number(offset),
      form: 'parts',
      wholeBytes: Number(whole) + (await lengths(partFields)),
      parts: partFields.length,
      changes,
      changeBytes: await lengths(changeFields),
    };
  }

  private commands(): SnapshotCommands {
    return this.redis as unknown as SnapshotCommands;
  }

  private key(topic: string, partition: number | ''): string {
    return `${this.prefix}:engine:snapshot:${topic}:${partition}`;
  }

  private handoverKey(topic: string, partition: number): string {
    return `${this.prefix}:engine:handover:${topic}:${partition}`;
  }
}
