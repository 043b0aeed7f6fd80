import type { AppConfig } from '@ctxb/config';
import type { ContextOptions } from '@ctxb/context';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The engine options from the validated configuration. */
export function contextOptionsFrom(config: AppConfig): ContextOptions {
  const c = config.context;
  return {
    sessionTimeoutMs: c.sessionTimeoutMinutes * MINUTE,
    lookbackMs: c.lookbackDays * DAY,
    latenessMs: c.latenessSeconds * 1000,
    orderRetentionMs: c.orderRetentionDays * DAY,
    timeDecayHalfLifeMs: c.timeDecayHalfLifeDays * DAY,
    maxAnonymousIdsPerCustomer: c.maxAnonymousIdsPerCustomer,
    placeholderIds: c.placeholderIds,
    checkoutBaselineMs: c.checkoutBaselineSeconds * 1000,
    ownHosts: c.ownHosts,
    channelRules: config.channels.rules,
    revenueAccountPrefixes: c.revenueAccountPrefixes,
  };
}
