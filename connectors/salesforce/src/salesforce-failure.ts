import { DeliveryFailure, type FailureKind } from '@ctxb/connector-sdk';

/** Salesforce error codes that pass with time (see the REST API's status codes and errors). */
const PASSING: Record<string, FailureKind> = {
  UNABLE_TO_LOCK_ROW: 'lock-timeout',
  REQUEST_LIMIT_EXCEEDED: 'rate-limited',
  TOO_MANY_REQUESTS: 'rate-limited',
  SERVER_UNAVAILABLE: 'connection-lost',
  // After one fresh token was refused too: retried a bounded number of times, then dead-lettered.
  INVALID_SESSION_ID: 'unknown',
};

/** A whole call refused for what it asked: the profile names what the org does not have. */
const CONFIGURATION = new Set([
  'INVALID_FIELD',
  'INVALID_TYPE',
  'NOT_FOUND',
  'MALFORMED_QUERY',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'unsupported_grant_type',
]);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * The kind of a failure of one record of a call (an sObject Collections result's error): a
 * lock is retried, any other refusal of the record (validation rule, required or too long
 * field, several records matching the external id) needs a person; a related Account that
 * is not there yet is waited for.
 */
export function recordFailureKind(statusCode: string, message = ''): FailureKind {
  // The related Account is not in the org yet: waited for, like an ERP record.
  if (/^Foreign key external ID: .* not found/.test(message)) return 'not-there-yet';
  return PASSING[statusCode] ?? (CONFIGURATION.has(statusCode) ? 'configuration' : 'constraint');
}

/**
 * A failed call as a delivery failure: limits, locks, unavailability, 5xx and network errors
 * pass with time; a refused sign-in or a field the org lacks is configuration; other 4xx are
 * permanent refusals; anything unrecognised is retried a bounded number of times.
 */
export function callFailure(error: unknown, doing: string): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  const e = error as { errorCode?: unknown; name?: unknown; code?: unknown; message?: unknown };
  const code = [e.errorCode, e.code, e.name].find((c): c is string => typeof c === 'string') ?? '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const kind: FailureKind =
    PASSING[code] ??
    (NETWORK.has(code) || /^ERROR_HTTP_5\d\d$/.test(code)
      ? 'connection-lost'
      : CONFIGURATION.has(code)
        ? 'configuration'
        : /^ERROR_HTTP_(3|4)\d\d$/.test(code)
          ? 'constraint'
          : 'unknown');
  return new DeliveryFailure(kind, `${doing}: ${code ? `[${code}] ` : ''}${message}`, {
    cause: error,
  });
}
