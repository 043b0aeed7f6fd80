import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '@ctxb/config';
import { createRedis, EventDeduplicator } from '@ctxb/streaming';

/**
 * Retried deliveries are dropped by (source, id) through Redis. Deduplication is a safety net,
 * not a gate: when Redis cannot answer, events are accepted (the engine deduplicates again)
 * rather than lost.
 */
@Injectable()
export class CollectorDeduplicator implements OnApplicationShutdown {
  private readonly logger = new Logger(CollectorDeduplicator.name);
  private readonly redis: Redis;
  private readonly deduplicator: EventDeduplicator;

  constructor(config: AppConfig) {
    this.redis = createRedis(config.redis, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.deduplicator = new EventDeduplicator(
      this.redis,
      `${config.redis.keyPrefix}:dedup:collector`,
      config.collector.deduplicationWindowSeconds * 1000,
    );
  }

  async claim(keys: string[]): Promise<boolean[]> {
    try {
      return await this.deduplicator.claim(keys);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, events: keys.length },
        'deduplication unavailable; accepting events',
      );
      return keys.map(() => true);
    }
  }

  async release(keys: string[]): Promise<void> {
    await this.deduplicator.release(keys).catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
