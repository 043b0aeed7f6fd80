import { isTimestamp } from './timestamp';

/**
 * A CloudEvents 1.0 envelope as Context Bridge accepts it (JSON, structured mode).
 * Required: specversion, id, source, type, time. Extensions (lower-case, per the spec):
 * anonymousid, customerid, sessionid, correlationid, traceparent. Other extensions pass
 * through untouched when their names follow the spec. Deduplication key: (source, id).
 */
export interface CloudEvent<T = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  dataschema?: string;
  datacontenttype?: string;
  anonymousid?: string;
  customerid?: string;
  sessionid?: string;
  correlationid?: string;
  traceparent?: string;
  data: T;
  [extension: string]: unknown;
}

export const CONTEXT_EXTENSIONS = [
  'anonymousid',
  'customerid',
  'sessionid',
  'correlationid',
  'traceparent',
] as const;

/** Attribute names the spec reserves or defines; anything else is an extension. */
export const CORE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'dataschema',
  'datacontenttype',
  'data',
  'data_base64',
] as const;

export const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

const ID = 200;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const JSON_CONTENT = /^application\/(cloudevents\+)?json(;.*)?$/;

/**
 * The envelope rules, checked by hand rather than through class-validator: the envelope is
 * the same small set of attributes on every event, and this runs for every event the
 * collector and the engine see.
 */
export function envelopeProblems(raw: Record<string, unknown>): EventProblem[] {
  const problems: EventProblem[] = [];
  if (raw.specversion === undefined)
    problems.push({ path: 'specversion', message: 'specversion is required' });
  else if (raw.specversion !== '1.0')
    problems.push({ path: 'specversion', message: 'specversion must be "1.0"' });
  textProblem(raw, problems, 'id', ID, true);
  textProblem(raw, problems, 'source', 1000, true);
  textProblem(raw, problems, 'type', ID, true);
  if (raw.time === undefined) problems.push({ path: 'time', message: 'time is required' });
  else if (!isTimestamp(raw.time)) {
    problems.push({
      path: 'time',
      message: `time must be an RFC 3339 timestamp with a zone, such as "2026-03-14T16:05:00Z", got ${JSON.stringify(raw.time)}`,
    });
  }
  textProblem(raw, problems, 'subject', ID, false);
  textProblem(raw, problems, 'dataschema', 1000, false);
  for (const name of TEXT_EXTENSIONS) textProblem(raw, problems, name, ID, false);
  if (
    raw.datacontenttype !== undefined &&
    (typeof raw.datacontenttype !== 'string' || !JSON_CONTENT.test(raw.datacontenttype))
  ) {
    problems.push({ path: 'datacontenttype', message: 'datacontenttype must be application/json' });
  }
  if (
    raw.traceparent !== undefined &&
    (typeof raw.traceparent !== 'string' || !TRACEPARENT.test(raw.traceparent))
  ) {
    problems.push({
      path: 'traceparent',
      message: 'traceparent must be a W3C trace context header',
    });
  }
  return problems;
}

const TEXT_EXTENSIONS = ['anonymousid', 'customerid', 'sessionid', 'correlationid'];

/** A text attribute's problem, if it has one: missing (when required), not text, or its length. */
function textProblem(
  raw: Record<string, unknown>,
  problems: EventProblem[],
  name: string,
  max: number,
  required: boolean,
): void {
  const value = raw[name];
  if (value === undefined) {
    if (required) problems.push({ path: name, message: `${name} is required` });
  } else if (typeof value !== 'string') {
    problems.push({ path: name, message: `${name} must be a string` });
  } else if (value.length === 0 || value.length > max) {
    problems.push({ path: name, message: `${name} must be 1 to ${max} characters long` });
  }
}

/** One reason an event was rejected, with the JSON path of the offending field. */
export interface EventProblem {
  path: string;
  message: string;
}
