import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka, Producer } from 'kafkajs';
import { AppConfig } from '@ctxb/config';
import { withTimeout } from '@ctxb/health';
import {
  BatchingPublisher,
  createKafka,
  orderedProducer,
  startWhenKafkaIsReachable,
  type OutgoingMessage,
} from '@ctxb/streaming';

/**
 * The collector's Kafka side: an idempotent producer (acks=all) behind a batching publisher.
 * It connects and provisions topics in the background, retrying, so the gateway starts and
 * reports Kafka as down on /health instead of refusing to start; publishing waits for the
 * connection a bounded time, then fails (the collector answers 503, the client retries).
 */
@Injectable()
export class CollectorKafka implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CollectorKafka.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly batcher: BatchingPublisher;
  private connected: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly config: AppConfig) {
    this.kafka = createKafka(config.kafka, 'collector');
    this.producer = orderedProducer(this.kafka);
    this.batcher = new BatchingPublisher(this.producer, {
      lingerMs: config.collector.lingerMs,
      maxBatchMessages: config.collector.maxBatchEvents * 4,
    });
  }

  onModuleInit(): void {
    this.connected = this.connect();
    this.connected.catch(() => undefined);
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    await withTimeout(
      this.connected ?? Promise.reject(new Error('not started')),
      this.config.kafka.requestTimeoutMs,
      'the Kafka connection',
    );
    await this.batcher.publish(messages);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.batcher.flush().catch(() => undefined);
    await this.producer.disconnect();
  }

  private connect(): Promise<void> {
    return startWhenKafkaIsReachable(
      this.kafka,
      this.config.topics,
      () => this.producer.connect(),
      this.logger,
      () => this.stopping,
    );
  }
}
