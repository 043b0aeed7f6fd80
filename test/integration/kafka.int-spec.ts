import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { createTestTopics } from '../support/kafka-topics';
import { testConfig, uniqueName } from '../support/test-config';

describe('Kafka broker (kafkajs round trip)', () => {
  const config = testConfig();
  const kafka = new Kafka({
    clientId: 'ctxb-test',
    brokers: config.kafka.brokers,
    // A fresh broker answers the first group joins with retriable errors kafkajs would log;
    // the assertions say whether the round trip worked.
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('produces idempotently with acks=all and consumes every message in key order', async () => {
    const topic = uniqueName('it_roundtrip');
    await createTestTopics(kafka, [{ topic, numPartitions: 3 }]);

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `order-${i % 3}`,
      value: `event-${i}`,
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('it_group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: String(message.value) });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    expect(received).toHaveLength(sent.length);
    for (const key of ['order-0', 'order-1', 'order-2']) {
      const inOrder = sent.filter((m) => m.key === key).map((m) => m.value);
      expect(received.filter((m) => m.key === key).map((m) => m.value)).toEqual(inOrder);
    }
    await admin.deleteTopics({ topics: [topic] });
  });

  it('runs with topic auto-creation off: producing to an unknown topic fails', async () => {
    const producer = kafka.producer({
      retry: { retries: 1 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await expect(
      producer.send({ topic: uniqueName('it_missing'), messages: [{ value: 'x' }] }),
    ).rejects.toThrow(
      /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|unknown topic/i,
    );
    await producer.disconnect();
    const topics = await admin.listTopics();
    expect(topics.some((t) => t.startsWith('it_missing'))).toBe(false);
  });
});
