import type { Kafka } from 'kafkajs';
import {
  ContextEngine,
  type ContextOptions,
  type ContextRecord,
  type ExpiredEvent,
} from '@ctxb/context';
import type { CloudEvent } from '@ctxb/events';
import { JOURNEY_COMMAND_HEADER, journeyEvents } from '@ctxb/streaming';
import { applyJourneyCommand } from '../../apps/engine/src/context/context-processor';

/** Every record of a topic, per partition in offset order (what each engine instance consumed). */
export async function readJourneyLog(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, { key: string; value: string; command?: string }[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  // Read each partition up to the end it had when we looked; more may be appended meanwhile.
  const ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  const log = new Map<number, { key: string; value: string; command?: string }[]>(
    offsets.map((o) => [o.partition, []]),
  );
  const pending = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  if (pending.size === 0) return log;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          const offset = Number(message.offset);
          if (offset < ends.get(partition)!) {
            log.get(partition)!.push({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              command: message.headers?.[JOURNEY_COMMAND_HEADER]?.toString(),
            });
          }
          if (offset + 1 >= ends.get(partition)!) pending.delete(partition);
          if (pending.size === 0) resolve();
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
 * offset order, never drained (the running engine is not either). Events it keeps out as too
 * late are added to `expired` when given.
 */
export function replayJourneyLog(
  log: Map<number, { value: string; command?: string }[]>,
  options: ContextOptions,
  expired?: ExpiredEvent[],
): ContextRecord[] {
  const records: ContextRecord[] = [];
  for (const messages of log.values()) {
    const engine = new ContextEngine(options);
    for (const m of messages) {
      if (m.command === undefined) {
        for (const { event } of journeyEvents({ key: null, value: Buffer.from(m.value) })) {
          const out = engine.ingest(event as unknown as CloudEvent);
          records.push(...out.records);
          expired?.push(...out.expired);
        }
        continue;
      }
      records.push(
        ...applyJourneyCommand(engine, m.command, JSON.parse(m.value) as Record<string, unknown>),
      );
    }
  }
  return records;
}
