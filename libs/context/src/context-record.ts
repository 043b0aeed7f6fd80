import { isoTimestamp, type Channel } from '@ctxb/events';
import { attribute, type Attribution } from './attribution';
import type { ContextOptions } from './context-options';
import { contextReferenceId } from './context-reference';
import { correlateOrder, type CorrelatedIds } from './correlations';
import { orderAmounts, type OrderAmounts } from './order-amounts';
import type { Fact } from './facts';
import type { IdentityMerge, RefusedLink } from './identity';
import { orderStateHistory, type OrderStateHistory } from './order-state';
import { aggregateSessions, type Session } from './sessions';
import { journeySignals, type Signals } from './signals';

export interface Touchpoint {
  session: number;
  at: string;
  channel: Channel;
  source: string;
  medium: string;
  campaign: string | null;
}

export interface SessionSummary {
  index: number;
  startedAt: string;
  endedAt: string;
  pageViews: number;
  productInteractions: number;
  cartModifications: number;
  activeMs: number;
  channel: Channel;
}

/** The part of a context that comes from behaviour before the order. */
export interface JourneyContext {
  anonymousIds: string[];
  sessions: { count: number; items: SessionSummary[] };
  journey: {
    firstTouch: Touchpoint | null;
    lastTouch: Touchpoint | null;
    touchpoints: Touchpoint[];
    daysToConvert: number | null;
    sessionsToConvert: number;
  };
  attribution: Attribution;
  signals: Signals;
  identity: { merges: IdentityMerge[]; refused: RefusedLink[] };
}

/** One enriched context per order; a later version supersedes an earlier one. */
export interface ContextRecord extends JourneyContext {
  contextReferenceId: string;
  version: number;
  /** Event time up to which this version has seen everything. */
  asOf: string;
  order: {
    orderId: string;
    customerId: string | null;
    total: string | null;
    currency: string | null;
    placedAt: string;
    discountCode: string | null;
  };
  state: OrderStateHistory;
  correlations: CorrelatedIds;
  /** The order's money as the shop, payments, warehouse, AR and GL report it. */
  amounts: OrderAmounts;
  quality: { score: number; missing: string[] };
}

const DAY = 86_400_000;

/** The journey part of a context: sessions, touchpoints, attribution, signals. */
export function buildJourneyContext(
  placed: Fact,
  journeyFacts: readonly Fact[],
  identity: { anonymousIds: string[]; merges: IdentityMerge[]; refused: RefusedLink[] },
  options: ContextOptions,
): JourneyContext {
  const from = placed.at - options.lookbackMs;
  const facts = journeyFacts.filter((f) => f.web && f.at >= from && f.at <= placed.at);
  const sessions = aggregateSessions(facts, options.sessionTimeoutMs);
  const touchpoints = sessions.map(touchpoint);
  const orderSession =
    sessions.length > 0 &&
    placed.at - sessions[sessions.length - 1].endedAt <= options.sessionTimeoutMs
      ? sessions.length
      : 0;
  const first = touchpoints[0] ?? null;
  return {
    anonymousIds: identity.anonymousIds,
    sessions: { count: sessions.length, items: sessions.map(summary) },
    journey: {
      firstTouch: first,
      lastTouch: touchpoints[touchpoints.length - 1] ?? null,
      touchpoints,
      daysToConvert: first ? Math.floor((placed.at - Date.parse(first.at)) / DAY) : null,
      sessionsToConvert: sessions.length,
    },
    attribution: attribute(
      sessions.map((s) => ({
        at: s.startedAt,
        channel: s.touch.channel,
        campaign: s.touch.campaign,
      })),
      placed.at,
      options.timeDecayHalfLifeMs,
    ),
    signals: journeySignals(
      sessions,
      placed.at,
      orderSession,
      placed.code,
      options.checkoutBaselineMs,
    ),
    identity: { merges: identity.merges, refused: identity.refused },
  };
}

/**
 * The whole record as of `asOf`. Fields come in one fixed order (reference and version first,
 * readably), so equal records serialize to equal bytes.
 */
export function buildContextRecord(
  placed: Fact,
  orderFacts: readonly Fact[],
  journey: JourneyContext,
  asOf: number,
  version: number,
  reference = contextReferenceId(placed.orders![0]),
): ContextRecord {
  const orderId = placed.orders![0];
  const facts = orderFacts.filter((f) => f.at <= asOf);
  const state = orderStateHistory(facts);
  const correlations = correlateOrder(placed, facts);
  return {
    contextReferenceId: reference,
    version,
    asOf: isoTimestamp(asOf),
    order: {
      orderId,
      customerId: placed.customer ?? null,
      total: placed.amount ?? null,
      currency: placed.currency ?? null,
      placedAt: isoTimestamp(placed.at),
      discountCode: placed.code ?? null,
    },
    ...journey,
    state,
    correlations,
    amounts: orderAmounts(placed, facts),
    quality: quality(placed, journey, state, correlations),
  };
}

function touchpoint(session: Session): Touchpoint {
  return {
    session: session.index,
    at: isoTimestamp(session.startedAt),
    channel: session.touch.channel,
    source: session.touch.source,
    medium: session.touch.medium,
    campaign: session.touch.campaign ?? null,
  };
}

function summary(session: Session): SessionSummary {
  return {
    index: session.index,
    startedAt: isoTimestamp(session.startedAt),
    endedAt: isoTimestamp(session.endedAt),
    pageViews: session.pageViews,
    productInteractions: session.productInteractions,
    cartModifications: session.cartModifications,
    activeMs: session.activeMs,
    channel: session.touch.channel,
  };
}

/**
 * How complete the context is, 0–1: the share of checks that pass. `missing` names the
 * failed ones so an integrator knows which source to wire up.
 */
function quality(
  placed: Fact,
  journey: JourneyContext,
  state: OrderStateHistory,
  correlations: CorrelatedIds,
): { score: number; missing: string[] } {
  const checks: [string, boolean][] = [
    ['customer identified', !!placed.customer],
    ['anonymous behaviour linked', journey.anonymousIds.length > 0 || !!placed.device],
    ['sessions before the order', journey.sessions.count > 0],
    ['a known traffic source', journey.journey.touchpoints.some((t) => t.source !== '(direct)')],
    ['checkout page timing', journey.signals.checkoutPageLoadMs !== null],
    ['payment outcome', correlations.payments.some((p) => p.status !== 'attempted')],
    ['invoice', correlations.invoices.length > 0],
    ['no state anomalies', state.anomalies.length === 0],
  ];
  const passed = checks.filter(([, ok]) => ok).length;
  return {
    score: Math.round((passed / checks.length) * 100) / 100,
    missing: checks.filter(([, ok]) => !ok).map(([name]) => name),
  };
}

/**
 * The newest version of each context among `records`: what a link target or a newest-only
 * table needs from a batch of versions (the older ones would be replaced at once).
 */
export function newestVersions(records: readonly ContextRecord[]): ContextRecord[] {
  const newest = new Map<string, ContextRecord>();
  for (const r of records) {
    const seen = newest.get(r.contextReferenceId);
    if (!seen || r.version > seen.version) newest.set(r.contextReferenceId, r);
  }
  return [...newest.values()];
}
