import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@ctxb/config';
import { EventDeduplicator } from '@ctxb/streaming';

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
    const { host, port, password, db, keyPrefix } = config.redis;
    this.redis = new Redis({
      host,
      port,
      db,
      password: password || undefined,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
    });
    this.redis.on('error', () => undefined);
    this.deduplicator = new EventDeduplicator(
      this.redis,
      `${keyPrefix}:dedup:collector`,
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
