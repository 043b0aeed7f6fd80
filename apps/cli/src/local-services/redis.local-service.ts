import { join } from 'node:path';
import type Redis from 'ioredis';
import { createProbeRedis } from '@ctxb/streaming';
import { commandExists, ensureDir, ManagedProcess, reason, waitUntil } from './host';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import type { LocalServicesContext } from './local-services.context';

/** What BullMQ needs from Redis in production: never evict keys, persist writes (AOF). */
export const BULLMQ_REDIS_SETTINGS = {
  'maxmemory-policy': 'noeviction',
  appendonly: 'yes',
} as const;

/**
 * Redis for BullMQ. A Redis already listening is reused; when it runs without the settings
 * BullMQ requires, `up` says so and applies them with CONFIG SET. Otherwise the project
 * starts its own redis-server with data under .local/redis.
 */
export class RedisLocalService implements LocalService {
  readonly name = 'redis';
  private readonly process: ManagedProcess;

  constructor(private readonly context: LocalServicesContext) {
    this.process = new ManagedProcess(context.state('redis', 'redis.pid'));
  }

  private get address(): string {
    const { host, port } = this.context.config.redis;
    return `${host}:${port}`;
  }

  async status(): Promise<ServiceStatus> {
    const pid = this.process.pid();
    const managed = pid !== undefined;
    try {
      return await this.withClient(async (redis) => {
        const info = await redis.info('server');
        const version = /redis_version:(\S+)/.exec(info)?.[1];
        const settings = await this.settings(redis);
        return {
          name: this.name,
          healthy: true,
          version,
          address: this.address,
          details: Object.entries(settings).map(([key, value]) => `${key}=${value}`),
          managed,
          pid,
        };
      });
    } catch (error) {
      return {
        name: this.name,
        healthy: false,
        address: this.address,
        details: [reason(error)],
        managed,
        pid,
      };
    }
  }

  async up(progress: Progress): Promise<void> {
    if (!(await this.reachable())) {
      if (this.process.pid() === undefined) await this.start(progress);
      await waitUntil('Redis', () => this.reachable(), 30_000);
    }
    await this.withClient(async (redis) => {
      const current = await this.settings(redis);
      for (const [key, wanted] of Object.entries(BULLMQ_REDIS_SETTINGS)) {
        if (current[key] === wanted) continue;
        progress.notice(
          `redis at ${this.address} was running with ${key}=${current[key]}; BullMQ needs ${key}=${wanted} ` +
            `in production, so it is now set with CONFIG SET (not persisted to that server's config file).`,
        );
        await redis.config('SET', key, wanted);
      }
    });
  }

  async down(progress: Progress): Promise<void> {
    if (await this.process.stop()) progress.step('redis: stopped');
  }

  private async start(progress: Progress): Promise<void> {
    if (!(await commandExists('redis-server')))
      await this.context.packages.ensure(['redis-server'], progress);
    const dir = ensureDir(this.context.state('redis'));
    const { host, port, password } = this.context.config.redis;
    progress.step(`redis: starting on ${this.address}`);
    this.process.start(
      'redis-server',
      [
        '--bind',
        host,
        '--port',
        String(port),
        '--dir',
        dir,
        '--appendonly',
        BULLMQ_REDIS_SETTINGS.appendonly,
        '--maxmemory-policy',
        BULLMQ_REDIS_SETTINGS['maxmemory-policy'],
        '--save',
        '',
        ...(password ? ['--requirepass', password] : []),
      ],
      join(dir, 'redis.log'),
    );
  }

  private async settings(redis: Redis): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const key of Object.keys(BULLMQ_REDIS_SETTINGS)) {
      const pair = (await redis.config('GET', key)) as string[];
      result[key] = pair[1] ?? 'unknown';
    }
    return result;
  }

  private async reachable(): Promise<boolean> {
    try {
      return (await this.withClient((redis) => redis.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  private async withClient<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = createProbeRedis(this.context.config.redis, 1000);
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }
}
