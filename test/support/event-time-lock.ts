import { randomUUID } from 'node:crypto';
import type { AppConfig } from '@ctxb/config';
import { createRedis } from '@ctxb/streaming';

const KEY = 'ctxb_test:event-time-lock';
const HOLD_MS = 15 * 60_000;

/**
 * How long holdEventTimeLock waits at most: a hold ends, at the latest, when it expires, and
 * one other jest worker can hold it at a time.
 */
export const EVENT_TIME_LOCK_WAIT_MS = HOLD_MS + 60_000;

/**
 * The timeout for a test or hook that takes the lock and then needs `ms` for its own work.
 * Longer than the wait, so a hook never times out while still waiting: its wait would go on
 * after jest gave up on it, take the lock when it came free and hold it, unused, until it
 * expired, holding up every test after it.
 */
export function withLockWait(ms: number): number {
  return EVENT_TIME_LOCK_WAIT_MS + ms;
}

/** Deletes the key only while it still holds the given value, in one step. */
const DELETE_IF = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The event topics are shared by every test, and an engine folds in every event on them: a
 * test writing events dated years ahead of another's makes the other's events late, and one
 * writing the story's device and order under other event ids doubles the other's journey.
 * Tests that run an engine over dated traffic, or write such events, hold this lock (in
 * Redis, so it spans the jest workers). A hold expires after 15 minutes, and one whose
 * process has died (a run stopped with Ctrl-C) is taken over at once. Returns the release;
 * throws, naming the holder, after waiting EVENT_TIME_LOCK_WAIT_MS (see withLockWait).
 */
export async function holdEventTimeLock(config: AppConfig): Promise<() => Promise<void>> {
  const redis = createRedis(config.redis);
  const token = `${process.pid}:${randomUUID()}`;
  const deadline = Date.now() + EVENT_TIME_LOCK_WAIT_MS;
  while ((await redis.set(KEY, token, 'PX', HOLD_MS, 'NX')) !== 'OK') {
    const holder = await redis.get(KEY);
    if (holder && !alive(Number(holder.split(':')[0]))) await redis.eval(DELETE_IF, 1, KEY, holder);
    else if (Date.now() > deadline) {
      redis.disconnect();
      throw new Error(
        `the event-time lock is still held by ${holder} after ${EVENT_TIME_LOCK_WAIT_MS / 1000} s`,
      );
    } else await new Promise((r) => setTimeout(r, 500));
  }
  return async () => {
    // Only our own hold is released (it may have expired and been taken by another).
    await redis.eval(DELETE_IF, 1, KEY, token);
    redis.disconnect();
  };
}

/** Whether a process of this machine still runs (the tests share one machine). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
