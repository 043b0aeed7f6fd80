import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  DeadLetterHeader,
  DeadLetterStage,
  deadLetterTopic,
  validateEvent,
  type CloudEvent,
} from '@ctxb/events';
import { decodeEvent, EventDecodeException } from './event-codec';
import { orderedProducer } from './kafka-roles';
import { deduplicationKey, type EventDeduplicator } from './event-deduplicator';

export interface ConsumedEventMeta {
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler = (event: CloudEvent, meta: ConsumedEventMeta) => Promise<void>;

export type ConsumeOutcome = 'handled' | 'duplicate' | DeadLetterStage;

export interface ValidatingConsumerOptions {
  groupId: string;
  topics: string[];
  handler: EventHandler;
  /** How often a throwing handler is retried before its event is dead-lettered. */
  handlerRetries: number;
  retryBackoffMs: number;
  deduplicator?: EventDeduplicator;
  onOutcome?: (topic: string, outcome: ConsumeOutcome) => void;
  fromBeginning?: boolean;
}

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

  constructor(
    kafka: Kafka,
    private readonly options: ValidatingConsumerOptions,
  ) {
    this.consumer = kafka.consumer({ groupId: options.groupId });
    this.deadLetters = orderedProducer(kafka);
  }

  async start(): Promise<void> {
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
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

  private async process(
    message: KafkaMessage,
    meta: ConsumedEventMeta,
    heartbeat: () => Promise<void>,
  ): Promise<ConsumeOutcome> {
    let raw: Record<string, unknown>;
    try {
      raw = decodeEvent(message);
    } catch (error) {
      if (!(error instanceof EventDecodeException)) throw error;
      await this.deadLetter(message, meta, DeadLetterStage.Parse, error.message);
      return DeadLetterStage.Parse;
    }
    const validation = validateEvent(raw);
    if (!validation.ok) {
      const reason = validation.problems
        .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
        .join('; ');
      await this.deadLetter(message, meta, DeadLetterStage.Validate, reason);
      return DeadLetterStage.Validate;
    }
    const event = validation.event;
    const dedupKey = this.options.deduplicator
      ? deduplicationKey(event.source, event.id)
      : undefined;
    if (dedupKey && !(await this.options.deduplicator!.claim([dedupKey]))[0]) return 'duplicate';

    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.handler(event, meta);
        return 'handled';
      } catch (error) {
        if (attempt >= this.options.handlerRetries) {
          if (dedupKey) await this.options.deduplicator!.release([dedupKey]);
          await this.deadLetter(
            message,
            meta,
            DeadLetterStage.Handler,
            error instanceof Error ? error.message : String(error),
          );
          return DeadLetterStage.Handler;
        }
        await heartbeat();
        await new Promise((r) => setTimeout(r, this.options.retryBackoffMs * 2 ** attempt));
      }
    }
  }

  private async deadLetter(
    message: KafkaMessage,
    meta: ConsumedEventMeta,
    stage: DeadLetterStage,
    reason: string,
  ): Promise<void> {
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
    await this.deadLetters.send({
      topic: deadLetterTopic(meta.topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [DeadLetterHeader.Reason]: reason.slice(0, 10_000),
            [DeadLetterHeader.Stage]: stage,
            [DeadLetterHeader.OriginalTopic]: meta.topic,
            [DeadLetterHeader.OriginalPartition]: String(meta.partition),
            [DeadLetterHeader.OriginalOffset]: meta.offset,
            [DeadLetterHeader.FailedAt]: new Date().toISOString(),
          },
        },
      ],
    });
  }
}
