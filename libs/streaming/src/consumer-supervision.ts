import { type Logger } from '@nestjs/common';
import type { Consumer } from 'kafkajs';

/**
 * kafkajs restarts a crashed consumer by itself only when the cause is retriable. After any
 * other crash — say an offset commit refused because the group moved on while a long batch
 * ran — the consumer stays stopped while the process looks healthy. This watches for such
 * crashes and runs `restart` (connect, subscribe, run) with exponential backoff (to 30 s)
 * until it succeeds or the app is stopping.
 */
export function restartAfterCrash(
  consumer: Consumer,
  restart: () => Promise<void>,
  logger: Logger,
  stopping: () => boolean,
): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || stopping()) return;
    void (async () => {
      for (let attempt = 0; !stopping(); attempt++) {
        const delay = Math.min(30_000, 1000 * 2 ** attempt);
        logger.error(
          { groupId: payload.groupId, err: payload.error.message, retryInMs: delay },
          'consumer stopped on an error; restarting it',
        );
        await new Promise((r) => setTimeout(r, delay).unref());
        if (stopping()) return;
        try {
          await restart();
          logger.log({ groupId: payload.groupId }, 'consumer restarted');
          return;
        } catch (error) {
          payload.error = error as Error;
        }
      }
    })();
  });
}
