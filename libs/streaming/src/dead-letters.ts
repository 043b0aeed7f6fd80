import type { KafkaMessage, Message } from 'kafkajs';
import { DeadLetterHeader, type DeadLetterStage } from '@ctxb/events';

/** Where a dead record was read from, and by which consumer group. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: string;
  group: string;
}

/**
 * The dead-letter copy of a record: the original key, value and headers, plus why it failed,
 * at which stage, and where it came from — everything `ctxb events dead-letters replay` needs.
 */
export function deadLetterMessage(
  message: KafkaMessage,
  origin: RecordOrigin,
  stage: DeadLetterStage,
  reason: string,
): Message {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DeadLetterHeader.Reason]: reason.slice(0, 10_000),
      [DeadLetterHeader.Stage]: stage,
      [DeadLetterHeader.OriginalTopic]: origin.topic,
      [DeadLetterHeader.OriginalPartition]: String(origin.partition),
      [DeadLetterHeader.OriginalOffset]: origin.offset,
      [DeadLetterHeader.FailedAt]: new Date().toISOString(),
      [DeadLetterHeader.ConsumerGroup]: origin.group,
    },
  };
}
