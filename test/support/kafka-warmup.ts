import { Partitioners } from 'kafkajs';
import { type AppConfig } from '@ctxb/config';
import { createKafka, provisionTopics } from '@ctxb/streaming';
import type { Kafka } from 'kafkajs';
import { createTestTopics } from './kafka-topics';

const PROBE_TOPIC = 'ctxb-test-readiness';

/**
 * A freshly started KRaft broker needs a moment before new topics take writes, and the
 * first consumer group creates __consumer_offsets. Doing both once before the suite (the
 * catalogue topics, a probe write, a probe group) keeps tests from racing the broker.
 */
export async function warmUpKafka(config: AppConfig): Promise<void> {
  const kafka = createKafka(config.kafka, 'test-warmup');
  await provisionTopics(kafka, config.topics);
  if (!(await listTopics(kafka)).includes(PROBE_TOPIC)) {
    await createTestTopics(kafka, [{ topic: PROBE_TOPIC, numPartitions: 1 }]);
  }

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await producer.send({ topic: PROBE_TOPIC, acks: -1, messages: [{ value: 'probe' }] });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'ctxb-test-warmup' });
  await consumer.connect();
  await consumer.subscribe({ topic: PROBE_TOPIC, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachMessage: async () => resolve() }).catch(reject);
  });
  await consumer.disconnect();
}

async function listTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}
