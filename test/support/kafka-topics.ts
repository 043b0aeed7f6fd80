import type { Kafka } from 'kafkajs';
import { waitUntilServed } from '@ctxb/streaming';

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
    await admin.createTopics({ topics, waitForLeaders: false });
    await waitUntilServed(
      admin,
      topics.map((t) => t.topic),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Deletes a test's topics. */
export async function deleteTestTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
