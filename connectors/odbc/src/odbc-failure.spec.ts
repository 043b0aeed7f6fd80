import { DeliveryFailure } from '@ctxb/connector-sdk';
import { failureOf } from './odbc-link-target';

/** An error as node-odbc raises it: a message, and the driver's diagnostic records. */
const odbcError = (
  message: string,
  ...records: { state: string; code: number; message: string }[]
) => Object.assign(new Error(message), { odbcErrors: records });

describe('ODBC errors as delivery failures', () => {
  it('reads the kind from the first diagnostic record', () => {
    const failure = failureOf(
      odbcError('[odbc] Error executing the sql statement', {
        state: '23505',
        code: 7,
        message: 'duplicate key value violates unique constraint',
      }),
      'writing',
      { connected: true },
    );
    expect(failure.kind).toBe('constraint');
    expect(failure.message).toBe('writing: [23505] duplicate key value violates unique constraint');
  });

  it('calls an unexplained failure on a connection the driver now holds dead a lost connection', () => {
    // psqlODBC, first statement after the server went away: no diagnostic record at all.
    const silent = odbcError('[odbc] Error getting information about parameters');
    expect(failureOf(silent, 'writing', { connected: false }).kind).toBe('connection-lost');
    expect(failureOf(silent, 'writing', { connected: true }).kind).toBe('unknown');
    expect(failureOf(silent, 'writing').kind).toBe('unknown');
    // … or a general state with the server's goodbye in the message.
    const general = odbcError('[odbc] Error getting information about parameters', {
      state: 'HY000',
      code: 1,
      message: 'server closed the connection unexpectedly',
    });
    expect(failureOf(general, 'writing', { connected: false }).kind).toBe('connection-lost');
  });

  it('keeps a refusal a refusal whatever the driver says of the connection afterwards', () => {
    // A driver without SQL_ATTR_CONNECTION_DEAD reports every connection dead; a constraint
    // violation must still go to the dead letters, not be retried for ever.
    const refused = odbcError('[odbc] Error executing the sql statement', {
      state: '22001',
      code: 7,
      message: 'value too long for type character varying(40)',
    });
    expect(failureOf(refused, 'writing', { connected: false }).kind).toBe('constraint');
  });

  it('passes a delivery failure through as it is', () => {
    const failure = new DeliveryFailure('not-there-yet', 'no order 99999 yet');
    expect(failureOf(failure, 'writing', { connected: false })).toBe(failure);
  });
});
