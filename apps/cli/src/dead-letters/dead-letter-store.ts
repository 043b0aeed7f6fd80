import type { IHeaders, Kafka } from 'kafkajs';
import { DeadLetterHeader, deadLetterTopic, TOPICS } from '@ctxb/events';
import { orderedProducer } from '@ctxb/streaming';

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
  stage: string;
  reason: string;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  failedAt: string;
}

export interface DeadLetterFilter {
  topics?: string[];
  stage?: string;
  key?: string;
}

const DLQ_HEADERS = new Set<string>(Object.values(DeadLetterHeader));

/**
 * Reads and replays the event dead-letter topics. Reading never commits offsets (a fresh
 * group each time, up to each partition's end when the read started), so listing changes
 * nothing. Replay writes the original key, value and headers back to the original topic;
 * the engine's (source, id) deduplication makes a second replay of the same event a no-op.
 */
export class DeadLetterStore {
  constructor(private readonly kafka: Kafka) {}

  async read(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const topics = (filter.topics?.length ? filter.topics : [...TOPICS]).map(deadLetterTopic);
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<string, bigint>();
    try {
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
        }
      }
    } finally {
      await admin.disconnect();
    }
    if (ends.size === 0) return [];

    const records: DeadLetter[] = [];
    const consumer = this.kafka.consumer({
      groupId: `ctxb-dlq-reader-${process.pid}-${Date.now()}`,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({
        topics: [...new Set([...ends.keys()].map((k) => k.split(':')[0]))],
        fromBeginning: true,
      });
      await new Promise<void>((resolve, reject) => {
        const pending = new Set(ends.keys());
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
              const id = `${topic}:${partition}`;
              const end = ends.get(id);
              if (end === undefined || BigInt(message.offset) >= end) return;
              records.push(
                toDeadLetter(
                  topic,
                  partition,
                  message.offset,
                  message.key,
                  message.value,
                  message.headers ?? {},
                ),
              );
              if (BigInt(message.offset) + 1n >= end) pending.delete(id);
              if (pending.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return records
      .filter(
        (r) => (!filter.stage || r.stage === filter.stage) && (!filter.key || r.key === filter.key),
      )
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  /** Writes each record back to where it failed. Returns how many were replayed. */
  async replay(records: DeadLetter[]): Promise<number> {
    if (records.length === 0) return 0;
    const producer = orderedProducer(this.kafka);
    await producer.connect();
    try {
      for (const record of records) {
        const headers = Object.fromEntries(
          Object.entries(record.headers).filter(([name]) => !DLQ_HEADERS.has(name)),
        );
        await producer.send({
          topic: record.originalTopic,
          acks: -1,
          messages: [
            {
              key: record.key,
              value: record.value,
              headers: {
                ...headers,
                'ctxb-replayed-from': `${record.topic}:${record.partition}:${record.offset}`,
              },
            },
          ],
        });
      }
    } finally {
      await producer.disconnect();
    }
    return records.length;
  }
}

function toDeadLetter(
  topic: string,
  partition: number,
  offset: string,
  key: Buffer | null,
  value: Buffer | null,
  headers: IHeaders,
): DeadLetter {
  const header = (name: string) => {
    const v = headers[name];
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? '' : first.toString();
  };
  return {
    topic,
    partition,
    offset,
    key: key?.toString() ?? null,
    value,
    headers,
    stage: header(DeadLetterHeader.Stage),
    reason: header(DeadLetterHeader.Reason),
    originalTopic: header(DeadLetterHeader.OriginalTopic) || topic.replace(/\.dlq$/, ''),
    originalPartition: header(DeadLetterHeader.OriginalPartition),
    originalOffset: header(DeadLetterHeader.OriginalOffset),
    failedAt: header(DeadLetterHeader.FailedAt),
  };
}
