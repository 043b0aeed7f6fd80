import { errorMessage, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('returns the result of work that finishes in time', async () => {
    await expect(withTimeout(Promise.resolve('pong'), 1000, 'Redis')).resolves.toBe('pong');
  });

  it('rejects naming the dependency when work hangs', async () => {
    jest.useFakeTimers();
    try {
      const hung = withTimeout(new Promise(() => undefined), 3000, 'Kafka');
      jest.advanceTimersByTime(3000);
      await expect(hung).rejects.toThrow('Kafka did not answer within 3000 ms');
    } finally {
      jest.useRealTimers();
    }
  });

  it('passes the work’s own error through', async () => {
    await expect(withTimeout(Promise.reject(new Error('ECONNREFUSED')), 1000, 'x')).rejects.toThrow(
      'ECONNREFUSED',
    );
  });
});

describe('errorMessage', () => {
  it('prefers the first ODBC diagnostic over the generic message', () => {
    const error = Object.assign(new Error('[odbc] Error connecting to the database'), {
      odbcErrors: [{ message: 'connection refused', state: '08001', code: 101 }],
    });
    expect(errorMessage(error)).toBe('connection refused');
  });

  it('handles plain errors and non-errors', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
  });
});
