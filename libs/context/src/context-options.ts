import type { ChannelRule } from '@ctxb/events';

/** How the engine builds contexts. Everything time-related is in event time (ms). */
export interface ContextOptions {
  /** A session ends after this much inactivity (GA's 30 minutes by default). */
  sessionTimeoutMs: number;
  /** Touchpoints older than this before the order are not part of its journey. */
  lookbackMs: number;
  /** Events up to this much older than the newest seen are still "on time". */
  latenessMs: number;
  /** Orders keep receiving new versions (payments, returns, invoices) for this long. */
  orderRetentionMs: number;
  /** Half-life of the time-decay attribution model. */
  timeDecayHalfLifeMs: number;
  /** At most this many anonymous ids are linked to one customer; more are refused. */
  maxAnonymousIdsPerCustomer: number;
  /** Ids that identify nobody and never link anything (compared case-insensitively). */
  placeholderIds: string[];
  /** Checkout start → order time the customer base usually needs (for the hesitation ratio). */
  checkoutBaselineMs: number;
  /** Hosts of the shop itself: their referrers are internal navigation, not a new touch. */
  ownHosts: string[];
  /** Channel rules tried before the default grouping. */
  channelRules: ChannelRule[];
  /** GL accounts whose number starts with one of these hold revenue (journal lines). */
  revenueAccountPrefixes: string[];
}

export const DEFAULT_CONTEXT_OPTIONS: ContextOptions = {
  sessionTimeoutMs: 30 * 60_000,
  lookbackMs: 30 * 86_400_000,
  latenessMs: 5 * 60_000,
  orderRetentionMs: 90 * 86_400_000,
  timeDecayHalfLifeMs: 7 * 86_400_000,
  maxAnonymousIdsPerCustomer: 10,
  placeholderIds: ['', 'null', 'undefined', '0', '-1', 'anonymous', 'unknown', 'none', 'nil'],
  checkoutBaselineMs: 90_000,
  ownHosts: [],
  channelRules: [],
  revenueAccountPrefixes: ['4'],
};

export function contextOptions(overrides: Partial<ContextOptions> = {}): ContextOptions {
  return { ...DEFAULT_CONTEXT_OPTIONS, ...overrides };
}

/** The context settings as configured (`context` in config/default.yaml), in their units. */
export interface ContextSettings {
  sessionTimeoutMinutes: number;
  lookbackDays: number;
  latenessSeconds: number;
  orderRetentionDays: number;
  timeDecayHalfLifeDays: number;
  maxAnonymousIdsPerCustomer: number;
  placeholderIds: string[];
  checkoutBaselineSeconds: number;
  ownHosts: string[];
  revenueAccountPrefixes: string[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The engine's options from configured settings and channel rules. */
export function contextOptionsOf(
  settings: ContextSettings,
  channelRules: ChannelRule[],
): ContextOptions {
  return {
    sessionTimeoutMs: settings.sessionTimeoutMinutes * MINUTE_MS,
    lookbackMs: settings.lookbackDays * DAY_MS,
    latenessMs: settings.latenessSeconds * 1000,
    orderRetentionMs: settings.orderRetentionDays * DAY_MS,
    timeDecayHalfLifeMs: settings.timeDecayHalfLifeDays * DAY_MS,
    maxAnonymousIdsPerCustomer: settings.maxAnonymousIdsPerCustomer,
    placeholderIds: settings.placeholderIds,
    checkoutBaselineMs: settings.checkoutBaselineSeconds * 1000,
    ownHosts: settings.ownHosts,
    channelRules,
    revenueAccountPrefixes: settings.revenueAccountPrefixes,
  };
}
