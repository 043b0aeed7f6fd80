import Redis, { type RedisOptions } from 'ioredis';
import { type RedisConfig } from '@ctxb/config';

/** Where the configured Redis is, as ioredis (and BullMQ's `connection`) take it. */
export function redisConnectionOptions(
  config: RedisConfig,
): Pick<RedisOptions, 'host' | 'port' | 'db' | 'password'> {
  return {
    host: config.host,
    port: config.port,
    db: config.db,
    password: config.password || undefined,
  };
}

/** An ioredis client for the configured Redis; connection errors are reported by callers, not logged raw. */
export function createRedis(config: RedisConfig, options: RedisOptions = {}): Redis {
  const redis = new Redis({ ...redisConnectionOptions(config), ...options });
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

/**
 * Deletes every key under `prefix` (e.g. one run's or one tenant's `keyPrefix`), scanning in
 * pages so Redis is never blocked. Glob characters in the prefix are matched literally.
 * Returns how many keys went.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('refusing to delete every key: the prefix is empty');
  let deleted = 0;
  for await (const keys of keysWithPrefix(redis, prefix)) deleted += await redis.unlink(...keys);
  return deleted;
}

/**
 * The keys under `prefix`, a SCAN page at a time (never empty), so Redis is never blocked.
 * Glob characters in the prefix are matched literally.
 */
export async function* keysWithPrefix(redis: Redis, prefix: string): AsyncGenerator<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}
