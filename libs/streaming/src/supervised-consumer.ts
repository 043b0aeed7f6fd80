import { type Logger } from '@nestjs/common';
import type { TopicsConfig } from '@ctxb/config';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { restartAfterCrash } from './consumer-supervision';
import { startWhenKafkaIsReachable } from './kafka-startup';

export interface SupervisedConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offsets starts. */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /** Batches of different partitions handled at once. */
  partitionsInParallel: number;
  /** Handles one batch; its offsets are resolved when this returns. */
  eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /** Logged once consuming has begun, e.g. 'archiving events'. */
  doing: string;
}

/**
 * A consumer group member that is kept running: it starts in the background once Kafka is
 * reachable (provisioning the topics, retrying with backoff while it is not), and is started
 * again after any crash kafkajs does not recover from itself. For the consumers beside the
 * engine's intake that read plain batches (the raw-event archive, the placement links).
 */
export class SupervisedConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SupervisedConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
    });
    restartAfterCrash(
      this.consumer,
      () => this.consume(),
      logger,
      () => this.stopping,
    );
  }

  /** Starts in the background; `prepare` runs first, once Kafka is reachable. */
  start(topics: TopicsConfig, prepare: () => Promise<void> = async () => undefined): void {
    this.started = startWhenKafkaIsReachable(
      this.kafka,
      topics,
      async () => {
        await prepare();
        await this.consume();
        this.logger.log({ groupId: this.options.groupId }, this.options.doing);
      },
      this.logger,
      () => this.stopping,
    ).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.started;
    await this.consumer.disconnect().catch(() => undefined);
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.options.topics],
      fromBeginning: this.options.fromBeginning,
    });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsInParallel,
      eachBatch: this.options.eachBatch,
    });
  }
}
