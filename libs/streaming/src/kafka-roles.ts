import { Partitioners, type Admin, type AdminConfig, type Kafka, type Producer } from 'kafkajs';
import { type TopicsConfig } from '@ctxb/config';
import { ensureTopics, type TopicReport } from './topic-provisioner';

/**
 * The producer every Context Bridge writer uses: idempotent, one request in flight (so a
 * retry cannot reorder a partition), Java-compatible key hashing. Sends use acks=all.
 */
export function orderedProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Creates or grows the catalogue topics with a short-lived admin connection. */
export async function provisionTopics(
  kafka: Kafka,
  topics: TopicsConfig,
  adminConfig?: AdminConfig,
  internal: readonly string[] = [],
): Promise<TopicReport> {
  const admin: Admin = kafka.admin(adminConfig);
  await admin.connect();
  try {
    return await ensureTopics(admin, topics, internal);
  } finally {
    await admin.disconnect();
  }
}
