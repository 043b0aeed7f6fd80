import type { Kafka } from 'kafkajs';
import { ContextEngine, type ContextOptions, type ContextRecord } from '@ctxb/context';
import type { CloudEvent } from '@ctxb/events';

/** Every record of a topic, per partition in offset order (what each engine instance consumed). */
export async function readJourneyLog(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, { key: string; value: string; command?: string }[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  const total = [...wanted.values()].reduce((a, b) => a + b, 0);
  const log = new Map<number, { key: string; value: string; command?: string }[]>(
    offsets.map((o) => [o.partition, []]),
  );
  if (total === 0) return log;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          log.get(partition)!.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            command: message.headers?.['ctxb-command']?.toString(),
          });
          if (++seen >= total) resolve();
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return log;
}

/**
 * What an uninterrupted engine makes of that log: one fresh engine per partition, fed in
 * offset order, never drained (the running engine is not either).
 */
export function replayJourneyLog(
  log: Map<number, { value: string; command?: string }[]>,
  options: ContextOptions,
): ContextRecord[] {
  const records: ContextRecord[] = [];
  for (const messages of log.values()) {
    const engine = new ContextEngine(options);
    for (const m of messages) {
      const input = JSON.parse(m.value) as Record<string, unknown>;
      if (m.command === 'progress')
        records.push(
          ...engine.progress(
            String(input.source),
            typeof input.time === 'number' ? input.time : null,
            input.idle === true,
          ),
        );
      else if (m.command === 'unmerge')
        records.push(...engine.unmerge(String(input.anonymousId), String(input.customerId)));
      else records.push(...engine.ingest(input as unknown as CloudEvent).records);
    }
  }
  return records;
}
