import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@ctxb/config';
import { createRedis } from '@ctxb/streaming';

const KEY = 'ctxb_test:event-time-lock';
const HOLD_MS = 15 * 60_000;

/**
 * The event topics are shared by every test, and an engine folds in every event on them: a
 * test writing events dated years ahead of another's makes the other's events late, and one
 * writing the story's device and order under other event ids doubles the other's journey.
 * Tests that run an engine over dated traffic, or write such events, hold this lock (in
 * Redis, so it spans the jest workers; it expires if a worker dies). Returns the release.
 */
export async function holdEventTimeLock(config: AppConfig): Promise<() => Promise<void>> {
  const redis = createRedis(config.redis);
  const token = randomUUID();
  while ((await redis.set(KEY, token, 'PX', HOLD_MS, 'NX')) !== 'OK')
    await new Promise((r) => setTimeout(r, 500));
  return async () => {
    // Only our own hold is released (it may have expired and been taken by another).
    if ((await redis.get(KEY)) === token) await redis.del(KEY);
    redis.disconnect();
  };
}
