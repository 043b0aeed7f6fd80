import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { AppConfig } from '@ctxb/config';
import { createProbeRedis } from '@ctxb/streaming';
import { errorMessage, withTimeout } from './with-timeout';

/**
 * Up when Redis answers PING. Reports the settings BullMQ depends on; a Redis that may
 * evict keys is reported as down, because it can silently lose queued jobs.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'redis'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const redis = createProbeRedis(this.config.redis, this.config.health.timeoutMs);
    try {
      const policy = await withTimeout(
        (async () => {
          await redis.connect();
          await redis.ping();
          return maxmemoryPolicy(redis);
        })(),
        this.config.health.timeoutMs,
        'Redis',
      );
      if (policy !== undefined && policy !== 'noeviction') {
        return indicator.down({
          message: `maxmemory-policy is ${policy}; BullMQ needs noeviction or queued jobs can be evicted`,
          maxmemoryPolicy: policy,
        });
      }
      return indicator.up({ maxmemoryPolicy: policy ?? 'unknown (CONFIG disabled)' });
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    } finally {
      redis.disconnect();
    }
  }
}

/** Managed Redis services often disable CONFIG; then the policy is simply unknown. */
async function maxmemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const pair = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return pair[1];
  } catch {
    return undefined;
  }
}
