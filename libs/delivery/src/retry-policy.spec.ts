import fc from 'fast-check';
import { DeliveryFailure } from '@ctxb/connector-sdk';
import { afterFailure, backoffDelay, type RetryPolicy } from './retry-policy';

const policy: RetryPolicy = {
  attempts: 5,
  backoffMs: 500,
  maxBackoffMs: 60_000,
  waitForRecordMs: 3_600_000,
};

describe('afterFailure', () => {
  const at = (made: number, elapsedMs = 0) => ({ made, firstAt: 1_000, now: 1_000 + elapsedMs });

  it('dead-letters a permanent failure on the first try, with its kind and message', () => {
    const decision = afterFailure(
      new DeliveryFailure('constraint', 'value too long for type character varying(40)'),
      at(1),
      policy,
    );
    expect(decision).toEqual({
      retry: false,
      reason: 'constraint: value too long for type character varying(40)',
    });
  });

  it('retries a retryable failure until the attempts are used up', () => {
    const deadlock = new DeliveryFailure('deadlock', 'deadlock detected');
    expect(afterFailure(deadlock, at(4), policy)).toEqual({ retry: true });
    expect(afterFailure(deadlock, at(5), policy)).toEqual({
      retry: false,
      reason: 'deadlock: deadlock detected; gave up after 5 tries',
    });
  });

  it('waits for a missing ERP record until the deadline, however many tries that takes', () => {
    const missing = new DeliveryFailure('not-there-yet', 'om: no sales_order record for 7 yet');
    expect(afterFailure(missing, at(500, 3_599_999), policy)).toEqual({ retry: true });
    expect(afterFailure(missing, at(3, 3_600_000), policy)).toEqual({
      retry: false,
      reason: 'not-there-yet: om: no sales_order record for 7 yet; waited 60 min',
    });
  });
});

describe('backoffDelay', () => {
  it('doubles from backoffMs, and takes up to half off at random', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(2, policy, () => 0)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1500);
    expect(backoffDelay(30, policy, () => 0)).toBe(60_000);
  });

  it('stays within [ceiling / 2, ceiling] and never exceeds maxBackoffMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (made, r) => {
          const delay = backoffDelay(made, policy, () => r);
          const ceiling = Math.min(
            policy.maxBackoffMs,
            policy.backoffMs * 2 ** Math.max(made - 1, 0),
          );
          return (
            delay <= ceiling && delay >= Math.floor(ceiling / 2) && delay <= policy.maxBackoffMs
          );
        },
      ),
    );
  });

  it('never shrinks the ceiling from one try to the next', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), (made) => {
        return backoffDelay(made + 1, policy, () => 0) >= backoffDelay(made, policy, () => 0);
      }),
    );
  });
});
