import type { Message, Producer, TopicMessages } from 'kafkajs';
import { CoalescingBatcher } from './coalescing-batcher';

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

/**
 * Coalesces publish calls into few Kafka requests (see CoalescingBatcher): each caller's
 * promise settles when its own messages are acknowledged (acks=all) or the batch failed.
 * One send is in flight at a time, so an idempotent producer keeps per-partition order.
 */
export class BatchingPublisher {
  private readonly batcher: CoalescingBatcher<OutgoingMessage>;

  constructor(producer: Producer, options: { lingerMs: number; maxBatchMessages: number }) {
    this.batcher = new CoalescingBatcher(
      async (messages) => {
        await producer.sendBatch({ acks: -1, topicMessages: groupByTopic(messages) });
      },
      { lingerMs: options.lingerMs, maxItems: options.maxBatchMessages },
    );
  }

  publish(messages: OutgoingMessage[]): Promise<void> {
    return this.batcher.add(messages);
  }

  /** Sends whatever is queued now and waits until nothing is in flight. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }
}

function groupByTopic(messages: OutgoingMessage[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of messages) {
    const list = byTopic.get(topic) ?? [];
    list.push(message);
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}
