import { createWriteStream } from 'node:fs';
import { loadConfig } from '@ctxb/config';
import { EVENT_CATALOGUE, type CloudEvent } from '@ctxb/events';
import {
  BatchingPublisher,
  createKafka,
  encodeEvent,
  orderedProducer,
  provisionTopics,
} from '@ctxb/streaming';

/** Where generated events go: an NDJSON file (or stdout) or the Kafka topics. */
export interface EventSink {
  write(events: CloudEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function fileSink(path: string): EventSink {
  const stream: NodeJS.WritableStream = path === '-' ? process.stdout : createWriteStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    if (path === '-') return resolve();
    stream.once('finish', () => resolve());
    stream.once('error', reject);
  });
  return {
    write: async (events) => {
      const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      if (!stream.write(text)) await new Promise((r) => stream.once('drain', r));
    },
    close: async () => {
      if (path !== '-') stream.end();
      await finished;
    },
  };
}

export async function kafkaSink(): Promise<EventSink> {
  const config = loadConfig();
  const kafka = createKafka(config.kafka, 'generator');
  await provisionTopics(kafka, config.topics);
  const producer = orderedProducer(kafka);
  await producer.connect();
  const publisher = new BatchingPublisher(producer, { lingerMs: 5, maxBatchMessages: 5_000 });
  const pending: Promise<void>[] = [];
  return {
    write: async (events) => {
      pending.push(
        publisher.publish(
          events.map((e) => {
            const entry = EVENT_CATALOGUE.get(e.type)!;
            return { topic: entry.topic, message: encodeEvent(e, entry) };
          }),
        ),
      );
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    },
    close: async () => {
      await Promise.all(pending);
      await publisher.flush();
      await producer.disconnect();
    },
  };
}
