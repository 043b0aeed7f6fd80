import { type Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { type TopicsConfig } from '@ctxb/config';
import { provisionTopics } from './kafka-roles';

/**
 * Thrown by a start-up step that must not go ahead as things stand (a setting or a stored
 * record disagrees with what it finds): logged as an error naming the problem, and tried again
 * with the same backoff, so the app starts once someone has put it right.
 */
export class StartRefusedError extends Error {
  override readonly name = 'StartRefusedError';
}

/**
 * Brings an app's Kafka side up in the background: provision the topics, then `connect`
 * (producers, consumers), retrying with exponential backoff (to 30 s) while Kafka is
 * unreachable, so the app starts and /health says Kafka is down. Stops when `stopping()`.
 */
export async function startWhenKafkaIsReachable(
  kafka: Kafka,
  topics: TopicsConfig,
  connect: () => Promise<void>,
  logger: Logger,
  stopping: () => boolean,
  internalTopics: readonly string[] = [],
): Promise<void> {
  for (let attempt = 0; !stopping(); attempt++) {
    try {
      // No retries inside: this loop retries with its own backoff and stops on shutdown.
      const report = await provisionTopics(
        kafka,
        topics,
        { retry: { retries: 0 } },
        internalTopics,
      );
      if (report.created.length + report.grown.length > 0) {
        logger.log({ created: report.created, grown: report.grown }, 'topics provisioned');
      }
      for (const { topic, partitions } of report.kept)
        logger.warn(
          { topic, partitions, configured: topics.partitions },
          'internal topic keeps its partition count (journeys are placed by it); topics.partitions does not apply to it',
        );
      await connect();
      return;
    } catch (error) {
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      if (error instanceof StartRefusedError)
        logger.error({ err: error.message, retryInMs: delay }, 'not starting');
      else
        logger.warn({ err: (error as Error).message, retryInMs: delay }, 'Kafka not reachable yet');
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
  throw new Error('shutting down');
}
