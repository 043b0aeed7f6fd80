import { DeliveryFailure, sqlFailureKind } from './delivery-failure';

describe('delivery failures: retry or dead-letter', () => {
  it.each([
    ['08006', undefined, 'connection-lost'], // PostgreSQL: connection failure
    ['08S01', undefined, 'connection-lost'], // ODBC: communication link failure
    ['57P01', undefined, 'connection-lost'], // PostgreSQL: admin shutdown
    ['40001', undefined, 'deadlock'], // serialization failure
    ['40P01', undefined, 'deadlock'], // PostgreSQL: deadlock detected
    ['55P03', undefined, 'lock-timeout'], // PostgreSQL: lock not available
    ['HYT00', undefined, 'lock-timeout'], // ODBC: timeout expired
    ['HY000', 1205, 'lock-timeout'], // MariaDB: lock wait timeout
    ['40001', 1213, 'deadlock'], // MariaDB: deadlock
    ['HY000', 2013, 'connection-lost'], // MariaDB: lost connection during query
    ['23505', undefined, 'constraint'], // unique violation
    ['22001', undefined, 'constraint'], // string data right truncation
    ['23000', 1062, 'constraint'], // MariaDB: duplicate entry
    ['42P01', undefined, 'configuration'], // PostgreSQL: undefined table
    ['42S22', 1054, 'configuration'], // MariaDB: unknown column
    ['42501', undefined, 'configuration'], // insufficient privilege
    ['HY000', 9999, 'unknown'],
    [undefined, undefined, 'unknown'],
  ])('SQLSTATE %s (native %s) is %s', (state, native, kind) => {
    expect(sqlFailureKind(state, native)).toBe(kind);
  });

  it('retries what passes with time and dead-letters what needs a person', () => {
    const retried = [
      'connection-lost',
      'deadlock',
      'lock-timeout',
      'not-there-yet',
      'rate-limited',
      'unknown',
    ] as const;
    const kept = ['constraint', 'mapping', 'configuration'] as const;
    for (const kind of retried) expect(new DeliveryFailure(kind, 'x').retryable).toBe(true);
    for (const kind of kept) expect(new DeliveryFailure(kind, 'x').retryable).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('[odbc] Error executing the sql statement');
    const failure = new DeliveryFailure('deadlock', 'OM write failed', { cause });
    expect(failure.cause).toBe(cause);
    expect(failure.name).toBe('DeliveryFailure');
  });
});
