import type { Admin } from 'kafkajs';

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
