import type { IHeaders, Message } from 'kafkajs';
import { DeadLetterStage, validateEvent, type CatalogueEntry, type CloudEvent } from '@ctxb/events';

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** Thrown when a Kafka record is not a CloudEvent at all (not JSON, bad binary headers). */
export class EventDecodeException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventDecodeException';
  }
}

/** Structured mode: the whole event as JSON in the value, keyed by the catalogue's key. */
export function encodeEvent(event: CloudEvent, entry: CatalogueEntry): Message {
  return {
    key: entry.key(event),
    value: JSON.stringify(event),
    headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
  };
}

/**
 * Reads a record in either CloudEvents Kafka binding mode: binary (attributes in `ce_*`
 * headers, data in the value) or structured (the whole event as JSON in the value).
 * Returns the event object unvalidated; validation is the catalogue's job.
 */
export function decodeEvent(message: {
  value: Buffer | null;
  headers?: IHeaders;
}): Record<string, unknown> {
  return decodeRecord(message).raw;
}

/** decodeEvent, with the value's text when it is the whole event (structured mode). */
function decodeRecord(message: { value: Buffer | null; headers?: IHeaders }): {
  raw: Record<string, unknown>;
  json?: string;
} {
  const headers = message.headers ?? {};
  const text = message.value?.toString('utf8');
  if (headerText(headers.ce_specversion) !== undefined) {
    const event: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith('ce_')) continue;
      const attribute = headerText(value);
      if (attribute !== undefined) event[name.slice(3)] = attribute;
    }
    event.data =
      text === undefined || text === '' ? undefined : parseJson(text, 'value (binary mode data)');
    return { raw: event };
  }
  if (text === undefined) throw new EventDecodeException('the record has no value');
  const parsed = parseJson(text, 'value');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EventDecodeException('the value is JSON but not an object');
  }
  return { raw: parsed as Record<string, unknown>, json: text };
}

/**
 * A record as a valid event of the catalogue, or why it is not one: not a CloudEvent at all
 * (parse) or not a valid event (validate), with the problems in one line. A valid event in
 * structured mode comes with its JSON as it was read (`json`).
 */
export function readEventRecord(message: {
  value: Buffer | null;
  headers?: IHeaders;
}): { event: CloudEvent; json?: string } | { stage: DeadLetterStage; reason: string } {
  let raw: Record<string, unknown>;
  let json: string | undefined;
  try {
    ({ raw, json } = decodeRecord(message));
  } catch (error) {
    if (!(error instanceof EventDecodeException)) throw error;
    return { stage: DeadLetterStage.Parse, reason: error.message };
  }
  const validation = validateEvent(raw);
  if (validation.ok) return { event: validation.event, json };
  const reason = validation.problems
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join('; ');
  return { stage: DeadLetterStage.Validate, reason };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EventDecodeException(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
