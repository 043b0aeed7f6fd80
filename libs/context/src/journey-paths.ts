import type { CloudEvent } from '@ctxb/events';
import type { ContextOptions } from './context-options';
import { toFact, type Fact } from './facts';
import type { JourneyPath } from './markov-attribution';
import { aggregateSessions } from './sessions';

/**
 * One device's journey as a Markov path: the channel of each of its sessions, in order, up to
 * its first order (converted) or all of them (not converted); undefined without behaviour.
 * Events may come in any order. Pure.
 */
export function journeyPath(
  events: readonly CloudEvent[],
  options: ContextOptions,
): JourneyPath | undefined {
  const facts = events.map((e) => toFact(e, options)).filter((f): f is Fact => f !== undefined);
  let orderedAt = Number.POSITIVE_INFINITY;
  for (const fact of facts)
    if (fact.type === 'order.placed') orderedAt = Math.min(orderedAt, fact.at);
  const before = facts.filter((f) => f.web && f.at <= orderedAt);
  const sessions = aggregateSessions(before, options.sessionTimeoutMs);
  if (sessions.length === 0) return undefined;
  return {
    channels: sessions.map((s) => s.touch.channel),
    converted: Number.isFinite(orderedAt),
  };
}
