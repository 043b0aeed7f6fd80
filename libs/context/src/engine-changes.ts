import type { EngineChanges, EngineSnapshot, OrderEntry } from './context-engine';
import type { Fact } from './facts';
import { stillSeenAfter } from './seen-events';

/**
 * The snapshot of the state the last of `changes` was taken from, given the snapshot of the
 * state just before the first of them (each taken right after the one before): orders
 * changed or gone are replaced or removed, new facts are added, and facts that no order holds
 * and that are older than what the engine keeps are dropped, their events staying seen for as
 * long as the engine would remember them. Restoring the result gives that engine.
 */
export function applyChanges(
  snapshot: EngineSnapshot,
  changes: readonly EngineChanges[],
): EngineSnapshot {
  const last = changes.at(-1);
  if (!last) return snapshot;
  for (const part of [snapshot, ...changes])
    if (part.format !== 1) throw new Error(`unknown engine snapshot format ${String(part.format)}`);
  const orders = new Map<string, OrderEntry>(snapshot.orders.map((o) => [o.orderId, o]));
  for (const step of changes) {
    for (const orderId of step.removed) orders.delete(orderId);
    for (const order of step.orders) orders.set(order.orderId, order);
  }
  const held = new Set<string>();
  for (const order of orders.values()) for (const key of order.facts) held.add(key);

  // What the engine keeps only grows, and a fact no order holds is never held again: the
  // last step's bounds decide for the facts of every step.
  const keptFrom = last.behaviourKeptFrom ?? Number.NEGATIVE_INFINITY;
  const stillSeen = (at: number) => stillSeenAfter(at, last.ordersKeptFrom);
  const seen = snapshot.seen.filter(([, at]) => stillSeen(at));
  const facts = new Map<string, Fact>();
  for (const list of [snapshot.facts, ...changes.map((step) => step.facts)])
    for (const fact of list) {
      if (fact.at >= keptFrom || held.has(fact.key)) facts.set(fact.key, fact);
      else if (stillSeen(fact.at)) seen.push([fact.key, fact.at]);
    }
  return {
    format: 1,
    newest: last.newest,
    behaviourKeptFrom: last.behaviourKeptFrom,
    ordersKeptFrom: last.ordersKeptFrom,
    unmerged: last.unmerged,
    sources: last.sources,
    seen,
    facts: [...facts.values()],
    orders: [...orders.values()],
  };
}
