import type { Kafka } from 'kafkajs';

/**
 * Creates topics for one test and waits until the broker serves every partition: right
 * after creation a fresh KRaft broker can still answer "does not host this topic-partition".
 */
export async function createTestTopics(
  kafka: Kafka,
  topics: { topic: string; numPartitions: number }[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
    const deadline = Date.now() + 30_000;
    for (const { topic } of topics) {
      for (;;) {
        try {
          await admin.fetchTopicOffsets(topic);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}
