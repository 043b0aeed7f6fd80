import type { Producer } from 'kafkajs';
import { EVENT_CATALOGUE, type CloudEvent } from '@ctxb/events';
import { encodeEvent } from './event-codec';

/**
 * Writes validated events to their catalogue topics with their catalogue keys, a few thousand
 * per request, acknowledged by all replicas: what a shop backend producing directly does.
 */
export async function publishEvents(
  producer: Producer,
  events: readonly CloudEvent[],
  perRequest = 2000,
): Promise<void> {
  for (let i = 0; i < events.length; i += perRequest) {
    const byTopic = new Map<string, ReturnType<typeof encodeEvent>[]>();
    for (const event of events.slice(i, i + perRequest)) {
      const entry = EVENT_CATALOGUE.get(event.type);
      if (!entry) throw new Error(`unknown event type ${event.type}`);
      const list = byTopic.get(entry.topic) ?? [];
      list.push(encodeEvent(event, entry));
      byTopic.set(entry.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
