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
