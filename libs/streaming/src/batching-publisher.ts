import type { Message, Producer, TopicMessages } from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

interface Pending {
  messages: OutgoingMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces publish calls into few Kafka requests: calls that arrive while a send is in
 * flight (or within `lingerMs`) go out together in one `sendBatch`. Each caller's promise
 * settles when its own messages are acknowledged (acks=all) or the batch failed. One send
 * is in flight at a time, so an idempotent producer keeps per-partition order.
 */
export class BatchingPublisher {
  private queue: Pending[] = [];
  private queued = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly options: { lingerMs: number; maxBatchMessages: number },
  ) {}

  publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      this.queued += messages.length;
      this.schedule();
    });
  }

  /** Sends whatever is queued now and waits until nothing is in flight. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 || this.sending) {
      if (!this.sending) void this.sendNext();
      await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.sending) return;
    if (this.queued >= this.options.maxBatchMessages || this.options.lingerMs === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.sendNext();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.sendNext();
      }, this.options.lingerMs);
    }
  }

  private async sendNext(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.take();
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: groupByTopic(batch.flatMap((p) => p.messages)),
      });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.sending = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** Whole publish calls up to the batch limit (at least one, however large). */
  private take(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || count + this.queue[0].messages.length <= this.options.maxBatchMessages)
    ) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.messages.length;
    }
    this.queued -= count;
    return batch;
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
