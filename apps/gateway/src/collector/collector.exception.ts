/** Why a whole collector request was refused (per-event rejections are not exceptions). */
export enum CollectorErrorCode {
  MissingWriteKey = 'missing-write-key',
  InvalidWriteKey = 'invalid-write-key',
  PayloadTooLarge = 'payload-too-large',
  TooManyEvents = 'too-many-events',
  UnsupportedMediaType = 'unsupported-media-type',
  MalformedBody = 'malformed-body',
  NoValidEvents = 'no-valid-events',
  KafkaUnavailable = 'kafka-unavailable',
}

export class CollectorException extends Error {
  constructor(
    readonly code: CollectorErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CollectorException';
  }
}

/** The HTTP status for each code; exhaustive, so a new code cannot ship without one. */
export function httpStatusOf(code: CollectorErrorCode): number {
  switch (code) {
    case CollectorErrorCode.MissingWriteKey:
    case CollectorErrorCode.InvalidWriteKey:
      return 401;
    case CollectorErrorCode.PayloadTooLarge:
    case CollectorErrorCode.TooManyEvents:
      return 413;
    case CollectorErrorCode.UnsupportedMediaType:
      return 415;
    case CollectorErrorCode.MalformedBody:
    case CollectorErrorCode.NoValidEvents:
      return 400;
    case CollectorErrorCode.KafkaUnavailable:
      return 503;
  }
}
