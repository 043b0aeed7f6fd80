import type { CloudEvent } from '@ctxb/events';
import type { ContextOptions } from './context-options';
import { toFact, type Fact } from './facts';
import type { JourneyPath } from './markov-attribution';
import { aggregateSessions, type Session } from './sessions';

/**
 * One device's behaviour up to its first order (converted) or all of it (not converted), in
 * sessions; undefined without behaviour. Events may come in any order. Pure.
 */
export function journeyUntilOrder(
  events: readonly CloudEvent[],
  options: ContextOptions,
): { sessions: Session[]; converted: boolean } | undefined {
  const facts = events.map((e) => toFact(e, options)).filter((f): f is Fact => f !== undefined);
  let orderedAt = Number.POSITIVE_INFINITY;
  for (const fact of facts)
    if (fact.type === 'order.placed') orderedAt = Math.min(orderedAt, fact.at);
  const before = facts.filter((f) => f.web && f.at <= orderedAt);
  const sessions = aggregateSessions(before, options.sessionTimeoutMs);
  if (sessions.length === 0) return undefined;
  return { sessions, converted: Number.isFinite(orderedAt) };
}

/** One device's journey as a Markov path: the channel of each session until its first order. */
export function journeyPath(
  events: readonly CloudEvent[],
  options: ContextOptions,
): JourneyPath | undefined {
  const journey = journeyUntilOrder(events, options);
  if (!journey) return undefined;
  return { channels: journey.sessions.map((s) => s.touch.channel), converted: journey.converted };
}
