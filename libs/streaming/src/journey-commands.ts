import type { Kafka, Message, Producer } from 'kafkajs';

/** The header of control messages on the engine's journey topic: `progress` or `unmerge`. */
export const JOURNEY_COMMAND_HEADER = 'ctxb-command';

export type JourneyCommand = 'progress' | 'unmerge';

/** How many partitions the journey topic has: a command goes to each of them. */
export async function journeyPartitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 1;
  } finally {
    await admin.disconnect();
  }
}

/** One copy of a command for each journey partition: every engine instance applies it. */
export function journeyCommandMessages(
  command: JourneyCommand,
  body: Record<string, unknown>,
  partitions: number,
): Message[] {
  const value = JSON.stringify(body);
  return Array.from({ length: Math.max(1, partitions) }, (_, partition) => ({
    partition,
    value,
    headers: { [JOURNEY_COMMAND_HEADER]: command },
  }));
}

/**
 * Separates an anonymous id from a customer for good: every engine partition re-emits the
 * contexts that change, as new versions, and refuses the link from then on.
 */
export async function sendUnmerge(
  producer: Producer,
  topic: string,
  partitions: number,
  anonymousId: string,
  customerId: string,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: journeyCommandMessages('unmerge', { anonymousId, customerId }, partitions),
  });
}
