import type { DeliveryFailure } from '@ctxb/connector-sdk';

/** How a target's failed deliveries are tried again (config `links.retry` and the profile). */
export interface RetryPolicy {
  /** Tries of a job failing with a retryable error, the first included. */
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** How long an ERP record that is not there yet is waited for (the profile's deadline). */
  waitForRecordMs: number;
}

export type RetryDecision = { retry: true } | { retry: false; reason: string };

/**
 * What to do after a failed try. Permanent failures (a constraint, a mapping, a missing
 * column) go to the dead letters at once; a missing ERP record is waited for until the
 * deadline, counted from when the job was made; anything else retryable gets `attempts` tries.
 */
export function afterFailure(
  failure: Pick<DeliveryFailure, 'kind' | 'retryable' | 'message'>,
  tries: { made: number; firstAt: number; now: number },
  policy: RetryPolicy,
): RetryDecision {
  if (!failure.retryable) return { retry: false, reason: `${failure.kind}: ${failure.message}` };
  if (failure.kind === 'not-there-yet') {
    if (tries.now - tries.firstAt < policy.waitForRecordMs) return { retry: true };
    return {
      retry: false,
      reason: `${failure.kind}: ${failure.message}; waited ${minutes(tries.now - tries.firstAt)}`,
    };
  }
  if (tries.made < policy.attempts) return { retry: true };
  return {
    retry: false,
    reason: `${failure.kind}: ${failure.message}; gave up after ${tries.made} tries`,
  };
}

/**
 * The wait before try `made + 1`: exponential from backoffMs, capped at maxBackoffMs, less a
 * random part of up to half of it, so jobs that failed together do not return together.
 */
export function backoffDelay(
  made: number,
  policy: Pick<RetryPolicy, 'backoffMs' | 'maxBackoffMs'>,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(made - 1, 0), 40);
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** exponent);
  return Math.round(ceiling - random() * (ceiling / 2));
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m >= 1 ? `${Math.round(m)} min` : `${Math.round(ms / 1000)} s`;
}
