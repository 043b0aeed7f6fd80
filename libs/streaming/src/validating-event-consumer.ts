import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { DeadLetterStage, deadLetterTopic, type CloudEvent } from '@ctxb/events';
import { restartAfterCrash } from './consumer-supervision';
import { deadLetterMessage } from './dead-letters';
import { readEventRecord } from './event-codec';
import { orderedProducer } from './kafka-roles';
import { deduplicationKey, type EventDeduplicator } from './event-deduplicator';
import { KeptOffsets } from './kept-offsets';

export interface ConsumedEventMeta {
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler = (event: CloudEvent, meta: ConsumedEventMeta) => Promise<void>;

export interface ConsumedEvent {
  event: CloudEvent;
  meta: ConsumedEventMeta;
  /** The record's value when it is the whole event as JSON (structured mode), to forward as is. */
  value?: Buffer;
  /** That value's text, as it was read. */
  json?: string;
}

/** Where a fetched batch came from and whether it reached the end of its partition. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** The offset after this batch: where reading goes on. */
  position: number;
  /** True when nothing more is waiting in the partition after this batch. */
  caughtUp: boolean;
}

/** Handles the valid events of one fetched batch at once (in partition order). */
export type BatchEventHandler = (events: ConsumedEvent[], batch: ConsumedBatch) => Promise<void>;

export type ConsumeOutcome = 'handled' | 'duplicate' | DeadLetterStage;

/** A record that is not a valid event, and why. */
interface Rejection {
  message: KafkaMessage;
  meta: ConsumedEventMeta;
  stage: DeadLetterStage;
  reason: string;
}

export interface ValidatingConsumerOptions {
  groupId: string;
  topics: string[];
  /**
   * Either one event at a time, or a whole batch at a time: a failing batch is retried, then
   * split into single events so only the poison one goes to the dead-letter topic.
   */
  handler: EventHandler | { batch: BatchEventHandler };
  /** How often a throwing handler is retried before its event is dead-lettered. */
  handlerRetries: number;
  retryBackoffMs: number;
  deduplicator?: EventDeduplicator;
  /**
   * A rule of this consumer beyond the catalogue's: the reason a valid event is refused, or
   * undefined to take it. A refused event is dead-lettered at the validate stage.
   */
  refuse?: (event: CloudEvent) => string | undefined;
  /** Records by outcome; `count` records at once (1 when left out). */
  onOutcome?: (topic: string, outcome: ConsumeOutcome, count?: number) => void;
  fromBeginning?: boolean;
  /** A member silent this long leaves the group (kafkajs default 30 s). */
  sessionTimeoutMs?: number;
  /** Batches of different partitions handled at once (default 1); each partition stays in order. */
  partitionsInParallel?: number;
  /** At most this many bytes of one partition per fetch (kafkajs default 1 MB). */
  fetchBytesPerPartition?: number;
  /** Told the topic partitions this member owns after each rebalance. */
  onAssigned?: (assignment: Record<string, number[]>) => void;
  /**
   * Work each batch's valid events need beside the handler (batch handlers only), such as an
   * archive's insert, that the next batch need not wait for: the promise settles once the
   * events are kept. Reading goes on meanwhile, and offsets are committed up to where every
   * batch is handled and kept (a restart reads again what might not be). It should settle
   * only once the events are kept, waiting out outages itself, and fail only when the app
   * stops; a failure while running restarts the consumer from its committed offsets.
   */
  keep?: (events: ConsumedEvent[], batch: ConsumedBatch) => Promise<void>;
}

/** Batches of one partition whose `keep` may be under way at once before reading waits. */
const KEEPS_IN_FLIGHT = 16;
/** How long stopping waits for what is being kept, to commit it. */
const STOP_KEEP_WAIT_MS = 10_000;

/**
 * Consumes event topics with the same rules as the HTTP collector, for producers that write
 * to Kafka directly. Each record is decoded, validated against the catalogue and handed to
 * the handler; a record that is not JSON, is not a valid event, or whose handler keeps
 * failing goes to `<topic>.dlq` with the reason, stage, original topic, partition and offset
 * in headers — and only then is its offset resolved. A poison record never stalls a
 * partition or crashes the process.
 */
export class ValidatingEventConsumer {
  private readonly logger = new Logger(ValidatingEventConsumer.name);
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private stopping = false;
  /** With `keep`: how far each partition is handled and kept (offsets are committed by hand). */
  private readonly kept = new KeptOffsets();
  private committing: Promise<void> | undefined;
  private commitAgain = false;
  /** A keep that failed while running: batches fail until the consumer has joined again. */
  private keepFailure: Error | undefined;
  private batchesRunning = 0;

  constructor(
    kafka: Kafka,
    private readonly options: ValidatingConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      ...(options.fetchBytesPerPartition
        ? {
            maxBytesPerPartition: options.fetchBytesPerPartition,
            // Enough for the partitions handled at once (kafkajs default 10 MB).
            maxBytes: Math.max(
              10 * 1024 * 1024,
              options.fetchBytesPerPartition * (options.partitionsInParallel ?? 1),
            ),
          }
        : {}),
      ...(options.sessionTimeoutMs
        ? {
            sessionTimeout: options.sessionTimeoutMs,
            heartbeatInterval: Math.max(1000, Math.floor(options.sessionTimeoutMs / 10)),
          }
        : {}),
    });
    this.deadLetters = orderedProducer(kafka);
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      // Joined afresh (after a rebalance, or a restart kafkajs made by itself after a failed
      // keep): reading goes on from the committed offsets.
      this.kept.reset();
      this.keepFailure = undefined;
      options.onAssigned?.(payload.memberAssignment);
    });
    restartAfterCrash(
      this.consumer,
      () => this.consume(),
      this.logger,
      () => this.stopping,
    );
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.deadLetters.connect();
    await this.consume();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsInParallel ?? 1,
      eachBatchAutoResolve: false,
      // With `keep`, offsets are committed as batches are kept (see commitKept).
      autoCommit: this.options.keep === undefined,
      eachBatch: async (payload) => {
        this.batchesRunning++;
        try {
          await this.eachBatch(payload);
        } finally {
          this.batchesRunning--;
        }
      },
    });
  }

  /**
   * Stops reading; with `keep`, first waits (a while) for the batches read to be kept and
   * commits how far they are, so a restart reads again as little as it can.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.options.keep) {
      try {
        this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
      } catch {
        // Never started (Kafka unreachable so far): nothing read, nothing to keep.
      }
      const deadline = Date.now() + STOP_KEEP_WAIT_MS;
      while (this.batchesRunning > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await Promise.race([
        this.kept.allSettled(),
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
      ]);
      await this.commitKept();
    }
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  /** Commits the positions kept since the last commit; one commit at a time. */
  private commitKept(): Promise<void> {
    if (this.committing) {
      this.commitAgain = true;
      return this.committing;
    }
    this.committing = (async () => {
      do {
        this.commitAgain = false;
        const taken = this.kept.take();
        if (taken.positions.length === 0) continue;
        try {
          await this.consumer.commitOffsets([...taken.positions]);
        } catch (error) {
          // A rebalance (the next assignment reads from what was committed) or a broker away:
          // due again with the next kept batch.
          this.kept.putBack(taken);
          this.logger.warn({ err: String(error) }, 'committing kept offsets failed');
          return;
        }
      } while (this.commitAgain);
    })().finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    if (typeof this.options.handler !== 'function')
      return this.eachBatchAtOnce(payload, this.options.handler.batch);
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      const meta = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const outcome = await this.process(message, meta, heartbeat);
      this.options.onOutcome?.(batch.topic, outcome);
      payload.resolveOffset(message.offset);
      await heartbeat();
    }
  }

  private async eachBatchAtOnce(
    payload: EachBatchPayload,
    handle: BatchEventHandler,
  ): Promise<void> {
    if (this.keepFailure) throw this.keepFailure;
    const generation = this.kept.generation;
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    const admitted: (ConsumedEvent & { dedupKey?: string; message: KafkaMessage })[] = [];
    const rejected: Rejection[] = [];
    for (const message of batch.messages) {
      const meta = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const event = this.admit(message, meta);
      if ('stage' in event) rejected.push(event);
      else
        admitted.push({
          event: event.event,
          meta,
          message,
          // The record holds the whole event (structured mode) exactly when its text came along.
          value: event.json === undefined ? undefined : (message.value ?? undefined),
          json: event.json,
        });
    }
    // A batch that went stale (a rebalance) is fetched again: dead-letter its poison records
    // then, once, rather than now and again.
    if (!payload.isRunning() || payload.isStale()) return;
    await this.deadLetterAll(rejected);
    for (const r of rejected) this.options.onOutcome?.(batch.topic, r.stage);
    const last = batch.messages[batch.messages.length - 1];
    const position = last === undefined ? Number(batch.highWatermark) : Number(last.offset) + 1;
    const info: ConsumedBatch = {
      topic: batch.topic,
      partition: batch.partition,
      position,
      caughtUp: position >= Number(batch.highWatermark),
    };
    const fresh = await this.claim(admitted);
    if (fresh.length < admitted.length)
      this.options.onOutcome?.(batch.topic, 'duplicate', admitted.length - fresh.length);
    try {
      await this.withRetries(() => handle(fresh, info), heartbeat);
      if (fresh.length > 0) this.options.onOutcome?.(batch.topic, 'handled', fresh.length);
    } catch {
      // Find the poison: each event alone, in order; the good ones are handled, the bad dead-lettered.
      for (const one of fresh) {
        try {
          await this.withRetries(() => handle([one], info), heartbeat);
          this.options.onOutcome?.(batch.topic, 'handled');
        } catch (error) {
          if (one.dedupKey) await this.options.deduplicator!.release([one.dedupKey]);
          await this.deadLetter(one.message, one.meta, DeadLetterStage.Handler, errorText(error));
          this.options.onOutcome?.(batch.topic, DeadLetterStage.Handler);
        }
      }
    }
    if (last) payload.resolveOffset(last.offset);
    // A batch begun before the last join belongs to an assignment that is over: whoever owns its
    // partition now reads it again from the committed offset.
    if (last && this.options.keep && generation === this.kept.generation)
      await this.keepBatch(payload, admitted, info);
    await heartbeat();
  }

  /**
   * Hands the batch's valid events to `keep`, then waits while too many of the partition's
   * batches are still being kept (heartbeating, until the batch goes stale or reading stops).
   */
  private async keepBatch(
    payload: EachBatchPayload,
    events: ConsumedEvent[],
    info: ConsumedBatch,
  ): Promise<void> {
    const { topic, partition } = info;
    this.kept.add(topic, partition, info.position, this.options.keep!(events, info), (error) => {
      if (this.stopping) return;
      this.keepFailure =
        error instanceof Error ? error : new Error('keeping a batch failed', { cause: error });
      this.logger.error(
        { topic, partition, err: String(error) },
        'keeping a batch failed; the consumer starts again from its committed offsets',
      );
    });
    void this.kept.settled(topic, partition).then(() => this.commitKept());
    while (
      this.kept.inFlight(topic, partition) > KEEPS_IN_FLIGHT &&
      payload.isRunning() &&
      !payload.isStale() &&
      !this.stopping
    ) {
      await Promise.race([
        this.kept.settled(topic, partition),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      await payload.heartbeat();
    }
  }

  /** Decodes and validates: an event to handle, or why the record is rejected. */
  private admit(
    message: KafkaMessage,
    meta: ConsumedEventMeta,
  ): { event: CloudEvent; json?: string } | Rejection {
    const read = readEventRecord(message);
    if (!('event' in read)) return { message, meta, ...read };
    const refused = this.options.refuse?.(read.event);
    return refused === undefined
      ? read
      : { message, meta, stage: DeadLetterStage.Validate, reason: refused };
  }

  private async claim<T extends ConsumedEvent & { dedupKey?: string }>(events: T[]): Promise<T[]> {
    const deduplicator = this.options.deduplicator;
    if (!deduplicator || events.length === 0) return events;
    for (const e of events) e.dedupKey = deduplicationKey(e.event.source, e.event.id);
    const claims = await deduplicator.claim(events.map((e) => e.dedupKey!));
    return events.filter((_, i) => claims[i]);
  }

  private async withRetries(
    work: () => Promise<void>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= this.options.handlerRetries) throw error;
        await heartbeat();
        await new Promise((r) => setTimeout(r, this.options.retryBackoffMs * 2 ** attempt));
      }
    }
  }

  private async process(
    message: KafkaMessage,
    meta: ConsumedEventMeta,
    heartbeat: () => Promise<void>,
  ): Promise<ConsumeOutcome> {
    const admitted = this.admit(message, meta);
    if ('stage' in admitted) {
      await this.deadLetterAll([admitted]);
      return admitted.stage;
    }
    const { event } = admitted;
    const [fresh] = await this.claim<ConsumedEvent & { dedupKey?: string }>([{ event, meta }]);
    if (!fresh) return 'duplicate';
    const handler = this.options.handler as EventHandler;
    try {
      await this.withRetries(() => handler(event, meta), heartbeat);
      return 'handled';
    } catch (error) {
      if (fresh.dedupKey) await this.options.deduplicator!.release([fresh.dedupKey]);
      await this.deadLetter(message, meta, DeadLetterStage.Handler, errorText(error));
      return DeadLetterStage.Handler;
    }
  }

  /** Rejected records to their dead-letter topics, in one write. */
  private async deadLetterAll(rejected: readonly Rejection[]): Promise<void> {
    if (rejected.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { message, meta, stage, reason } of rejected) {
      this.logger.warn(
        {
          topic: meta.topic,
          partition: meta.partition,
          offset: meta.offset,
          stage,
          reason: reason.slice(0, 500),
        },
        'event dead-lettered',
      );
      const topic = deadLetterTopic(meta.topic);
      byTopic.set(topic, [
        ...(byTopic.get(topic) ?? []),
        deadLetterMessage(message, { ...meta, group: this.options.groupId }, stage, reason),
      ]);
    }
    await this.deadLetters.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private async deadLetter(
    message: KafkaMessage,
    meta: ConsumedEventMeta,
    stage: DeadLetterStage,
    reason: string,
  ): Promise<void> {
    await this.deadLetterAll([{ message, meta, stage, reason }]);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
