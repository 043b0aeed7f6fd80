import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Kafka, logLevel } from 'kafkajs';
import { AppConfig } from '@ctxb/config';
import { errorMessage, withTimeout } from './with-timeout';

/** Up when the cluster answers DescribeCluster; reports the cluster id and broker ids. */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { brokers, clientId } = this.config.kafka;
    const admin = new Kafka({
      clientId: `${clientId}-health`,
      brokers,
      connectionTimeout: Math.min(
        this.config.kafka.connectionTimeoutMs,
        this.config.health.timeoutMs,
      ),
      requestTimeout: this.config.health.timeoutMs,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      const cluster = await withTimeout(
        (async () => {
          await admin.connect();
          return admin.describeCluster();
        })(),
        this.config.health.timeoutMs,
        'Kafka',
      );
      return indicator.up({
        clusterId: cluster.clusterId,
        brokers: cluster.brokers.map((b) => b.nodeId),
      });
    } catch (error) {
      return indicator.down({ message: errorMessage(error), brokers });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
