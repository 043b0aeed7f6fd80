import { timestampMs, type CloudEvent } from '@ctxb/events';
import { clickHouseDateTime } from '../context-rows';

/** One valid event as the raw events table keeps it: the keys to find it, and the event itself. */
export interface EventRow {
  time: string;
  /** The milliseconds of `time` (DateTime has whole seconds). */
  time_ms: number;
  source: string;
  id: string;
  type: string;
  anonymous_id: string;
  customer_id: string;
  correlation_id: string;
  topic: string;
  /** The whole event as JSON: what a replay publishes again. */
  event: string;
}

/** The text columns of an EventRow, in table order. */
export const EVENT_TEXT_COLUMNS = [
  'source',
  'id',
  'type',
  'anonymous_id',
  'customer_id',
  'correlation_id',
  'topic',
  'event',
] as const;

/** The columns of an EventRow, in the order they are written. */
export const EVENT_COLUMNS: [keyof EventRow, ...(keyof EventRow)[]] = [
  'time',
  'time_ms',
  ...EVENT_TEXT_COLUMNS,
];

/**
 * The row of a validated event read from `topic` (pure). `json` is the event as JSON when it
 * is at hand already (a record's value in structured mode), to keep it as it came.
 */
export function eventRow(event: CloudEvent, topic: string, json?: string): EventRow {
  const at = timestampMs(event.time);
  // Written in UTC and not in a leap second, the time's first 19 characters are its second.
  const asWritten = event.time.endsWith('Z') && !event.time.startsWith('60', 17);
  return {
    time: clickHouseDateTime(asWritten ? event.time : new Date(at).toISOString()),
    time_ms: ((at % 1000) + 1000) % 1000,
    source: event.source,
    id: event.id,
    type: event.type,
    anonymous_id: event.anonymousid ?? '',
    customer_id: event.customerid ?? '',
    correlation_id: event.correlationid ?? '',
    topic,
    event: json ?? JSON.stringify(event),
  };
}
