import { CollectorErrorCode, CollectorException } from './collector.exception';

/** How the events arrived, per the CloudEvents HTTP binding. */
export type HttpMode = 'structured' | 'batch' | 'binary';

export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

/** Attributes carried as `ce-*` headers in binary mode (lower-case, as Node gives them). */
const CE_HEADER = /^ce-([a-z0-9]{1,20})$/;

/**
 * Turns one HTTP request into a list of raw (unvalidated) events:
 *   structured  `application/cloudevents+json` (or `application/json` holding one event object),
 *   batch       `application/cloudevents-batch+json` (a JSON array of events),
 *   binary      `ce-specversion` and other `ce-*` headers, the body being `data`.
 * `text/plain` is read as JSON too, because browsers' sendBeacon cannot set another type
 * without a CORS preflight.
 */
export function parseHttpEvents(
  contentType: string | undefined,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): { mode: HttpMode; events: unknown[] } {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (headers['ce-specversion'] !== undefined) {
    if (mediaType !== 'application/json' && mediaType !== '') {
      throw new CollectorException(
        CollectorErrorCode.UnsupportedMediaType,
        'binary mode carries data as application/json',
      );
    }
    const event: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers)) {
      const match = CE_HEADER.exec(name);
      if (match && value !== undefined)
        event[match[1]] = decodeURIComponentSafe(Array.isArray(value) ? value[0] : value);
    }
    event.data = body.length === 0 ? undefined : parseJson(body);
    return { mode: 'binary', events: [event] };
  }
  if (mediaType === BATCH_CONTENT_TYPE) {
    const parsed = parseJson(body);
    if (!Array.isArray(parsed))
      throw new CollectorException(
        CollectorErrorCode.MalformedBody,
        'a batch must be a JSON array of events',
      );
    return { mode: 'batch', events: parsed };
  }
  if (
    mediaType === STRUCTURED_CONTENT_TYPE ||
    mediaType === 'application/json' ||
    mediaType === 'text/plain'
  ) {
    const parsed = parseJson(body);
    // A JSON array under a plain JSON type is taken as a batch (what sendBeacon sends).
    return Array.isArray(parsed)
      ? { mode: 'batch', events: parsed }
      : { mode: 'structured', events: [parsed] };
  }
  throw new CollectorException(
    CollectorErrorCode.UnsupportedMediaType,
    `content type "${mediaType}" is not accepted; use ${STRUCTURED_CONTENT_TYPE}, ${BATCH_CONTENT_TYPE} or binary mode`,
  );
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new CollectorException(
      CollectorErrorCode.MalformedBody,
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** Header values are percent-encoded where they hold non-ASCII (CloudEvents HTTP binding). */
function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
