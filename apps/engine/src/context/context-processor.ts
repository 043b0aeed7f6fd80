import type { Logger } from '@nestjs/common';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  ContextEngine,
  type ContextOptions,
  type ContextRecord,
  type EngineChanges,
  type EngineSnapshot,
} from '@ctxb/context';
import { DeadLetterStage, deadLetterTopic, type CloudEvent } from '@ctxb/events';
import {
  deadLetterMessage,
  journeyEvents,
  JOURNEY_COMMAND_HEADER,
  type JourneyEvent,
  restartAfterCrash,
} from '@ctxb/streaming';
import type { EngineSnapshots, SavedSize } from '@ctxb/engine-state';

/**
 * Where new context versions go: the store, then the link queues. Writes may be coalesced;
 * each promise settles when its own records are out.
 */
export interface ContextSink {
  write(records: readonly ContextRecord[]): Promise<void>;
}

/**
 * What a command record of the journey topic (its header's command, its value's body) does to
 * an engine: the versions it emits. An unknown command does nothing.
 */
export function applyJourneyCommand(
  engine: ContextEngine,
  command: string,
  body: Record<string, unknown>,
): ContextRecord[] {
  if (command === 'progress') {
    const time = typeof body.time === 'number' ? body.time : null;
    return engine.progress(String(body.source), time, body.idle === true);
  }
  if (command === 'unmerge')
    return engine.unmerge(String(body.anonymousId), String(body.customerId));
  return [];
}

/** Changes saved after a whole snapshot before the next save is whole again. */
const MAX_CHANGES = 100;

/**
 * How long a partition's handover save may take: the new owner waits this long at most before
 * it loads the state (and the mark left by an owner that died meanwhile expires).
 */
const HANDOVER_MS = 5_000;

/** Batches of one partition whose versions may be on their way at once (backpressure). */
const WRITES_IN_FLIGHT = 8;

export interface ContextProcessorHooks {
  /** After each batch: events seen, versions emitted, events kept out as too late. */
  batch?(partition: number, counts: { events: number; records: number; expired: number }): void;
  /** A save that failed (it was logged; the next one is whole). */
  saveFailed?(partition: number): void;
  /** After each save: whole or changes, the facts in it, its bytes, and how long it took. */
  snapshot?(
    partition: number,
    saved: { whole: boolean; facts: number; bytes: number },
    ms: number,
  ): void;
}

export interface ContextProcessorOptions {
  groupId: string;
  topic: string;
  sessionTimeoutMs: number;
  snapshotIntervalMs: number;
  /** Journey partitions worked on at once; each has its own engine. */
  partitionsInParallel: number;
  context: ContextOptions;
}

/** A partition's state as taken for a save: the whole, or the changes since the last save. */
type Taken = { whole: true; state: EngineSnapshot } | { whole: false; state: EngineChanges };

interface Rejected {
  message: KafkaMessage;
  stage: DeadLetterStage;
  reason: string;
}

interface PartitionState {
  engine: ContextEngine;
  /** Last offset folded into the engine; -1 before the first. */
  offset: number;
  savedOffset: number;
  /** Last offset whose versions are written (the store and the link queues have them). */
  stored: number;
  /** Settles when every write issued so far is done; rejects if one failed. */
  writes: Promise<void>;
  inFlight: number;
  /** A write failed: the state is dropped and rebuilt from the snapshot on the next batch. */
  failed?: Error;
  /** Last offset this member committed as done (-1: none yet). */
  committedOffset: number;
  /**
   * What is saved after `savedOffset`'s state was taken from this engine: the next save may
   * append its changes. Unknown (nothing saved, or a save failed): the next save is whole.
   */
  saved?: SavedSize;
  savedAt: number;
  saving?: Promise<void>;
  /** True while a batch is being folded in (its write not issued yet): no snapshot then. */
  writing: boolean;
}

/**
 * Stage two of the engine: one ContextEngine per journey-topic partition. After each batch
 * the new context versions are written (idempotently, keyed by reference and version); every
 * `snapshotIntervalMs` the partition's state is saved with its offset and only then is the
 * offset committed. After a crash or a rebalance, the owner restores the saved state and
 * replays from its offset: the engine is deterministic, so the replay writes exactly the
 * versions it wrote before — no gap, no duplicate.
 */
export class ContextProcessor {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly partitions = new Map<number, PartitionState>();
  private running = false;
  private saver: NodeJS.Timeout | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: ContextProcessorOptions,
    private readonly snapshots: EngineSnapshots,
    private readonly sink: ContextSink,
    private readonly deadLetters: Producer,
    private readonly logger: Logger,
    private readonly hooks: ContextProcessorHooks = {},
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(1000, Math.floor(options.sessionTimeoutMs / 10)),
    });
    this.admin = kafka.admin();
    // A rebalance may hand partitions to another instance, which would fold in again what
    // followed their last save. kafkajs does not wait for anything before they go (no
    // revocation callback), so each owned partition is marked and saved now, and a new owner
    // waits for the mark to go (see partition). Whoever ends up with it, the store's
    // compare-and-set keeps the newest state.
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      for (const partition of this.partitions.keys()) this.handOver(partition);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set(payload.memberAssignment[options.topic] ?? []);
      for (const partition of this.partitions.keys())
        if (!owned.has(partition)) this.partitions.delete(partition);
      this.logger.log(
        { partitions: [...owned].sort((a, b) => a - b) },
        'journey partitions assigned',
      );
    });
    restartAfterCrash(
      this.consumer,
      () => {
        // Another member may have moved the partitions on meanwhile: start from the snapshots.
        this.partitions.clear();
        return this.consume();
      },
      logger,
      () => !this.running,
    );
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.deadLetters.connect();
    this.running = true;
    // Partitions that went quiet are saved (and their offsets committed) on a timer too.
    this.saver = setInterval(() => {
      for (const [partition, state] of this.partitions)
        if (!state.writing && Date.now() - state.savedAt >= this.options.snapshotIntervalMs)
          this.saveBeside(partition);
    }, this.options.snapshotIntervalMs);
    this.saver.unref();
    await this.consume();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsInParallel,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Finishes the batch in hand, saves every owned partition and leaves the group. Offsets are
   * not committed any more at that point; the next owner skips what the saved state holds.
   */
  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      clearInterval(this.saver);
      await this.consumer.stop();
      for (const p of this.partitions.values()) {
        if (p.saving) await p.saving;
        await p.writes.catch(() => undefined);
      }
      for (const partition of this.partitions.keys()) await this.save(partition, false);
    }
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
    await this.admin.disconnect();
  }

  /**
   * Per owned partition, the next offset to fold in: everything before it is in the engine
   * and its versions are stored and queued (lag = the partition's end − this).
   */
  positions(): Map<number, number> {
    return new Map([...this.partitions].map(([partition, s]) => [partition, s.stored + 1]));
  }

  /**
   * Per owned partition, the event time (ms) its versions are due by: the engine's clock (the
   * slowest busy source's newest event) less the lateness bound. A partition that has seen no
   * event yet is left out.
   */
  watermarks(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [partition, { engine }] of this.partitions)
      if (Number.isFinite(engine.watermark)) out.set(partition, engine.watermark);
    return out;
  }

  /**
   * Per owned partition, the journey records folded in since its state was last saved: what
   * a restart would fold in again. It grows while saves fail.
   */
  unsaved(): Map<number, number> {
    return new Map(
      [...this.partitions].map(([partition, s]) => [
        partition,
        Math.max(0, s.offset - s.savedOffset),
      ]),
    );
  }

  /** Heap-independent size figures for metrics. */
  stats(): { partitions: number; events: number; orders: number; journeys: number } {
    let events = 0;
    let orders = 0;
    let journeys = 0;
    for (const { engine } of this.partitions.values()) {
      const s = engine.stats();
      events += s.events;
      orders += s.orders;
      journeys += s.devices + s.customers;
    }
    return { partitions: this.partitions.size, events, orders, journeys };
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const failed = this.partitions.get(batch.partition)?.failed;
    if (failed !== undefined) {
      // Versions of an earlier batch are not safely out: forget the state, so the retry
      // restores the last snapshot and replays (and re-emits) from there.
      this.partitions.delete(batch.partition);
      throw failed;
    }
    const state = await this.partition(batch.partition, payload);
    if (!state) return; // sought back; the next batch starts where the state needs it

    const records: ContextRecord[] = [];
    const rejected: Rejected[] = [];
    let events = 0;
    let expired = 0;
    let last: string | undefined;
    state.writing = true;
    for (const [i, message] of batch.messages.entries()) {
      if (!payload.isRunning() || payload.isStale()) break;
      // A long batch keeps the membership alive (kafkajs sends at most one per interval).
      if (i % 1000 === 999) await payload.heartbeat();
      const offset = Number(message.offset);
      last = message.offset;
      if (offset <= state.offset) continue;
      state.offset = offset;
      const command = message.headers?.[JOURNEY_COMMAND_HEADER]?.toString();
      if (command !== undefined) {
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(message.value?.toString() ?? '') as Record<string, unknown>;
        } catch (error) {
          rejected.push({
            message,
            stage: DeadLetterStage.Parse,
            reason: (error as Error).message,
          });
          continue;
        }
        records.push(...applyJourneyCommand(state.engine, command, input));
        continue;
      }
      let inputs: JourneyEvent[];
      try {
        inputs = journeyEvents(message);
      } catch (error) {
        rejected.push({ message, stage: DeadLetterStage.Parse, reason: (error as Error).message });
        continue;
      }
      for (const { key, event } of inputs) {
        events++;
        const out = state.engine.ingest(event as unknown as CloudEvent);
        records.push(...out.records);
        expired += out.expired.length;
        // Each late event on its own, a record of one event under its journey key, as a
        // replay writes it back.
        for (const e of out.expired)
          rejected.push({
            message: {
              ...message,
              key: key === null ? null : Buffer.from(key),
              value: Buffer.from(JSON.stringify(e.event)),
            },
            stage: DeadLetterStage.Handler,
            reason: e.reason,
          });
      }
    }

    // Versions go out while the next batch is folded in; the snapshot waits for them.
    this.writeOut(batch.partition, state, records, rejected);
    state.writing = false;
    if (state.inFlight >= WRITES_IN_FLIGHT) await state.writes.catch(() => undefined);
    if (last !== undefined) payload.resolveOffset(last);
    this.hooks.batch?.(batch.partition, { events, records: records.length, expired });
    // The state is taken now; the save waits for its versions' writes apart from the batches,
    // which go on folding (one save per partition at a time, see save).
    if (Date.now() - state.savedAt >= this.options.snapshotIntervalMs && !state.saving)
      this.saveBeside(batch.partition);
    await payload.heartbeat();
  }

  /** Issues one batch's writes (versions, then dead letters) behind the ones before it. */
  private writeOut(
    partition: number,
    state: PartitionState,
    records: readonly ContextRecord[],
    rejected: readonly Rejected[],
  ): void {
    const offset = state.offset;
    state.inFlight++;
    const write = Promise.all([this.sink.write(records), this.deadLetter(partition, rejected)]);
    state.writes = Promise.all([state.writes, write]).then(() => {
      state.stored = Math.max(state.stored, offset);
    });
    state.writes
      .catch((error: unknown) => {
        state.failed ??=
          error instanceof Error
            ? error
            : new Error('writing context versions failed', { cause: error });
        this.logger.warn({ partition, err: String(error) }, 'writing context versions failed');
      })
      .finally(() => state.inFlight--);
  }

  /** The partition's state: in memory, else restored from its snapshot, else new. */
  private async partition(
    partition: number,
    payload: EachBatchPayload,
  ): Promise<PartitionState | undefined> {
    let state = this.partitions.get(partition);
    if (!state) {
      const { topic } = this.options;
      if (!(await this.snapshots.handoverDone(topic, partition, HANDOVER_MS)))
        this.logger.warn({ partition }, 'the last owner did not finish saving; replaying more');
      const saved = await this.snapshots.load(topic, partition);
      state = {
        engine: saved
          ? ContextEngine.restore(saved.state, this.options.context)
          : new ContextEngine(this.options.context),
        offset: saved?.offset ?? -1,
        savedOffset: saved?.offset ?? -1,
        committedOffset: -1,
        stored: saved?.offset ?? -1,
        saved: saved?.size,
        writes: Promise.resolve(),
        inFlight: 0,
        savedAt: Date.now(),
        writing: false,
      };
      this.partitions.set(partition, state);
      if (saved) this.logger.log({ partition, offset: saved.offset }, 'engine state restored');
    }
    // The committed offset can only be behind the state (offsets are committed after the
    // state is saved); if it is ahead, the state was lost: go back and rebuild it.
    const first = Number(payload.batch.firstOffset() ?? '0');
    if (first > state.offset + 1) {
      const low = await this.lowOffset(partition);
      const from = Math.max(state.offset + 1, low);
      if (first > from) {
        this.logger.warn(
          { partition, from, committed: first },
          'engine state behind the committed offset; replaying',
        );
        this.consumer.seek({ topic: this.options.topic, partition, offset: String(from) });
        return undefined;
      }
    }
    return state;
  }

  /**
   * Saves a partition another instance may take over, marked as being handed over meanwhile.
   * Without a commit: the group is rebalancing, and the next owner skips what the state holds.
   */
  private handOver(partition: number): void {
    const { topic } = this.options;
    // Never rejects: a failed save is reported, and clearing the mark is best effort.
    void this.snapshots
      .markHandover(topic, partition, HANDOVER_MS)
      .then(() => this.save(partition, false))
      .catch((error: unknown) =>
        this.saveFailed(partition, error, 'saving engine state for a handover failed'),
      )
      .finally(() => this.snapshots.clearHandover(topic, partition).catch(() => undefined));
  }

  /** Starts saving one partition without waiting for it; a failure is logged. */
  private saveBeside(partition: number): void {
    this.save(partition).catch((error: unknown) =>
      this.saveFailed(partition, error, 'saving engine state failed'),
    );
  }

  /** A save that failed: counted and logged (the next save is whole). */
  private saveFailed(partition: number, error: unknown, message: string): void {
    this.hooks.saveFailed?.(partition);
    this.logger.warn({ partition, err: String(error) }, message);
  }

  /** Saves one partition; a save already under way is waited for, never run twice at once. */
  private async save(partition: number, commit = true): Promise<void> {
    const state = this.partitions.get(partition);
    if (!state) return;
    while (state.saving) await state.saving;
    state.saving = this.saveNow(partition, state, commit);
    try {
      await state.saving;
    } finally {
      state.saving = undefined;
    }
  }

  private async saveNow(partition: number, state: PartitionState, commit: boolean): Promise<void> {
    // A batch is being folded in (a save that waited for the one before it can get here while
    // the batch awaits a heartbeat): the versions of what it folded so far are not written
    // yet, so this state must not be saved and committed. The batch saves when it is done.
    if (state.writing) return;
    if (state.offset > state.savedOffset) {
      const started = Date.now();
      const { topic } = this.options;
      // Taken together, synchronously: batches may go on while the save is under way.
      const offset = state.offset;
      const from = state.savedOffset;
      const chain = state.saved;
      // Changes while they are smaller than the whole they follow; a restore then reads at
      // most twice the whole.
      const whole = !chain || chain.changes >= chain.whole || chain.count >= MAX_CHANGES;
      const taken: Taken = whole
        ? { whole: true, state: state.engine.snapshot() }
        : { whole: false, state: state.engine.changes() };
      // Until this save is in, what is saved no longer matches what the engine gives next.
      state.saved = undefined;
      // Saved only once every version up to `offset` is written; never after a failed write.
      try {
        await state.writes;
      } catch {
        return;
      }
      const bytes = taken.whole
        ? await this.snapshots.save(topic, partition, offset, taken.state)
        : await this.snapshots.saveChanges(topic, partition, from, offset, taken.state);
      if (bytes === undefined) {
        // A newer owner saved further already; nothing of ours to commit.
        state.savedAt = Date.now();
        return;
      }
      state.saved = whole
        ? { whole: bytes, changes: 0, count: 0 }
        : { ...chain, changes: chain.changes + bytes, count: chain.count + 1 };
      state.savedOffset = Math.max(state.savedOffset, offset);
      this.hooks.snapshot?.(
        partition,
        { whole, facts: taken.state.facts.length, bytes },
        Date.now() - started,
      );
    }
    state.savedAt = Date.now();
    // Commit what the saved state holds — also right after a restore that nothing followed,
    // so the group's lag says how far the engine really is.
    const offset = state.savedOffset;
    if (commit && this.running && offset >= 0 && state.committedOffset < offset)
      await this.consumer
        .commitOffsets([{ topic: this.options.topic, partition, offset: String(offset + 1) }])
        .then(() => {
          state.committedOffset = Math.max(state.committedOffset, offset);
        })
        .catch((error: unknown) =>
          // The group moved on (a rebalance, or this member timed out). The snapshot holds the
          // offset and the next owner skips what it holds: a missed commit costs a replay.
          this.logger.warn({ partition, offset, err: String(error) }, 'offset commit skipped'),
        );
  }

  private async lowOffset(partition: number): Promise<number> {
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    return Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
  }

  /** One write for all of a batch's rejected messages, each with its stage and reason. */
  private async deadLetter(partition: number, rejected: readonly Rejected[]): Promise<void> {
    if (rejected.length === 0) return;
    for (const { message, stage, reason } of rejected.slice(0, 10))
      this.logger.warn(
        { partition, offset: message.offset, stage, reason: reason.slice(0, 300) },
        'journey event dead-lettered',
      );
    if (rejected.length > 10)
      this.logger.warn(
        { partition, more: rejected.length - 10 },
        'more journey events of this batch dead-lettered',
      );
    await this.deadLetters.send({
      topic: deadLetterTopic(this.options.topic),
      acks: -1,
      messages: rejected.map(({ message, stage, reason }) =>
        deadLetterMessage(
          message,
          {
            topic: this.options.topic,
            partition,
            offset: message.offset,
            group: this.options.groupId,
          },
          stage,
          reason,
        ),
      ),
    });
  }
}
