import { isUtf8 } from 'node:buffer';
import { timestampMs, type CloudEvent } from '@ctxb/events';
import { clickHouseDateTime } from '../context-rows';
import { stringLiteralBytes, valuesField, valuesFields } from '../sql/values-rows';

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

/** An event to archive: as read, with the record's bytes and their text when at hand. */
export interface ArchivedEvent {
  event: CloudEvent;
  /** The record's value when it is the whole event as JSON. */
  value?: Buffer;
  /** That value's text, as it was read. */
  json?: string;
}

/** Every column but the event itself, which comes last. */
const KEY_COLUMNS = EVENT_COLUMNS.slice(0, -1);
const ROW_END = Buffer.from(')\n');

/**
 * The Values text of the events' rows (EVENT_COLUMNS, one row per line), as bytes: what
 * valuesRows writes for `eventRow(event, topic, json)`, with each event taken from its
 * record's bytes when they are valid UTF-8 (they are then what `json` encodes to), so the
 * archive holds one buffer per batch outside the JS heap until it is inserted. Also the
 * hours the rows fall in (`YYYY-MM-DD HH`).
 */
export function eventLines(
  events: readonly ArchivedEvent[],
  topic: string,
): { text: Buffer; hours: Set<string> } {
  const parts: Buffer[] = [];
  const hours = new Set<string>();
  for (const { event, value, json } of events) {
    // Its event column is left empty: the event goes in as bytes, after the others.
    const row = eventRow(event, topic, '');
    hours.add(row.time.slice(0, 13));
    parts.push(Buffer.from(`(${valuesFields(row, KEY_COLUMNS)},`));
    if (value !== undefined && isUtf8(value)) parts.push(...stringLiteralBytes(value));
    else parts.push(Buffer.from(valuesField(json ?? JSON.stringify(event))));
    parts.push(ROW_END);
  }
  return { text: Buffer.concat(parts), hours };
}
