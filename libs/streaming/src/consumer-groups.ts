import type { Admin } from 'kafkajs';

/**
 * The consumer groups of the engines configured with `engine.groupId`: the intake reads the
 * event topics, the context stage the journey topic, and the placement linker the order
 * topic for targets that link on placement. Each has its own offsets and its own lag.
 */
export function engineConsumerGroups(groupId: string): {
  intake: string;
  context: string;
  placement: string;
} {
  return { intake: groupId, context: `${groupId}.context`, placement: `${groupId}.placement` };
}

/**
 * Waits until every consumer group is Stable: joined, partitions assigned. A group that
 * starts at the topics' end does not see what was written before that, so writers wait.
 * On a timeout, says which group stood where.
 */
export async function waitForStableGroups(
  admin: Admin,
  groupIds: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { groups } = await admin.describeGroups([...groupIds]);
    if (groups.every((g) => g.state === 'Stable')) return;
    if (Date.now() > deadline)
      throw new Error(
        `consumer groups not all stable within ${timeoutMs} ms: ${groups.map((g) => `${g.groupId} ${g.state}`).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
