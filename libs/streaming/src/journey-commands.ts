import type { Message, Producer } from 'kafkajs';

/** The header of control messages on the engine's journey topic: `progress` or `unmerge`. */
export const JOURNEY_COMMAND_HEADER = 'ctxb-command';

export type JourneyCommand = 'progress' | 'unmerge';

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
