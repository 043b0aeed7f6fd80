import Redis, { type RedisOptions } from 'ioredis';
import { type RedisConfig } from '@ctxb/config';

/** An ioredis client for the configured Redis; connection errors are reported by callers, not logged raw. */
export function createRedis(config: RedisConfig, options: RedisOptions = {}): Redis {
  const redis = new Redis({
    host: config.host,
    port: config.port,
    db: config.db,
    password: config.password || undefined,
    ...options,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** A one-shot client for checks: connects on demand, never retries, fails fast. */
export function createProbeRedis(config: RedisConfig, connectTimeoutMs: number): Redis {
  return createRedis(config, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}
