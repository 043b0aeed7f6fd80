/**
 * Why a write into a target failed, as far as retrying is concerned. The first five pass
 * with time (the delivery is retried with backoff); the others need a person (the job goes
 * to the dead-letter queue with the reason).
 */
export const FAILURE_KINDS = {
  'connection-lost': true,
  deadlock: true,
  'lock-timeout': true,
  /** The ERP record to link is not there yet (an invoice posted later than the order). */
  'not-there-yet': true,
  'rate-limited': true,
  /** A value the target refuses: a constraint, a type or length it cannot hold. */
  constraint: false,
  /** The context has no value a mapping step can take. */
  mapping: false,
  /** The profile names a table or column the target does not have, or lacks a privilege. */
  configuration: false,
  /** Anything not recognised: retried a bounded number of times, then dead-lettered. */
  unknown: true,
} as const;

export type FailureKind = keyof typeof FAILURE_KINDS;

/** A failed delivery with its kind; `retryable` says whether waiting can help. */
export class DeliveryFailure extends Error {
  readonly retryable: boolean;

  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryFailure';
    this.retryable = FAILURE_KINDS[kind];
  }
}

/**
 * The kind of a database error from its SQLSTATE (ODBC reports the driver's state) and, for
 * MariaDB/MySQL, its native error number: ISO/ODBC classes first, then the engine's own codes.
 */
export function sqlFailureKind(sqlState: string | undefined, nativeCode?: number): FailureKind {
  const state = (sqlState ?? '').toUpperCase();
  const byNative = nativeCode === undefined ? undefined : MARIADB_CODES[nativeCode];
  if (byNative) return byNative;
  if (state === '40001' || state === '40P01') return 'deadlock';
  if (state === '55P03' || state === 'HYT00' || state === 'HYT01') return 'lock-timeout';
  if (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')
    return 'connection-lost';
  if (state.startsWith('23') || state.startsWith('22')) return 'constraint';
  if (state.startsWith('42') || state === '3F000' || state === '28000') return 'configuration';
  return 'unknown';
}

/** MariaDB/MySQL native error numbers whose SQLSTATE is too general (HY000) to tell. */
const MARIADB_CODES: Record<number, FailureKind> = {
  1205: 'lock-timeout', // ER_LOCK_WAIT_TIMEOUT
  1213: 'deadlock', // ER_LOCK_DEADLOCK
  2002: 'connection-lost', // CR_CONNECTION_ERROR
  2003: 'connection-lost', // CR_CONN_HOST_ERROR
  2006: 'connection-lost', // CR_SERVER_GONE_ERROR
  2013: 'connection-lost', // CR_SERVER_LOST
  1040: 'connection-lost', // ER_CON_COUNT_ERROR: too many connections, passes
  1062: 'constraint', // ER_DUP_ENTRY
  1406: 'constraint', // ER_DATA_TOO_LONG
  1146: 'configuration', // ER_NO_SUCH_TABLE
  1054: 'configuration', // ER_BAD_FIELD_ERROR
  1142: 'configuration', // ER_TABLEACCESS_DENIED_ERROR
};
