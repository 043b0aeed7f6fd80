import type { Consumer, Kafka } from 'kafkajs';
import type { CloudEvent } from '@ctxb/events';
import { uniqueName } from './test-config';

export interface TailedMessage {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** The value parsed as a CloudEvent, or undefined when it is not JSON (other tests' poison). */
  event?: CloudEvent;
}

function parseEvent(value: string): CloudEvent | undefined {
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as CloudEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads what is written to some topics from now on (not their history): records each
 * partition's end offset first, then seeks there. Shared topics can be tested in parallel
 * by filtering on ids only this test uses.
 */
export class TopicTail {
  readonly messages: TailedMessage[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topics: string[]): Promise<TopicTail> {
    const admin = kafka.admin();
    await admin.connect();
    const starts = await Promise.all(
      topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
    );
    await admin.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('test_tail'), maxWaitTimeInMs: 100 });
    const tail = new TopicTail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        tail.messages.push({
          topic,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          event: parseEvent(message.value?.toString() ?? ''),
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          ),
        });
      },
    });
    for (const { topic, offsets } of starts) {
      for (const { partition, high } of offsets) consumer.seek({ topic, partition, offset: high });
    }
    return tail;
  }

  /** Waits until `count` messages match, then a short while more to catch extras. */
  async waitFor(
    match: (m: TailedMessage) => boolean,
    count: number,
    timeoutMs = 20_000,
  ): Promise<TailedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.filter(match).length < count && Date.now() < deadline) await sleep(50);
    await sleep(300);
    return this.messages.filter(match);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
