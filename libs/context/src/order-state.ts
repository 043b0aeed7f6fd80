import { isoTimestamp } from '@ctxb/events';
import { compareFacts, type Fact } from './facts';

export enum OrderState {
  Placed = 'placed',
  PaymentFailed = 'payment-failed',
  Paid = 'paid',
  Shipped = 'shipped',
  Delivered = 'delivered',
  Cancelled = 'cancelled',
  Returned = 'returned',
  Refunded = 'refunded',
}

/** The event types that move an order, and the state each leads to. */
export const STATE_TRIGGERS: Readonly<Record<string, OrderState>> = {
  'order.placed': OrderState.Placed,
  'payment.failed': OrderState.PaymentFailed,
  'payment.succeeded': OrderState.Paid,
  'fulfillment.shipped': OrderState.Shipped,
  'fulfillment.delivered': OrderState.Delivered,
  'order.cancelled': OrderState.Cancelled,
  'fulfillment.returned': OrderState.Returned,
  'payment.refunded': OrderState.Refunded,
};

/** Allowed moves. Anything else is an anomaly: recorded, never applied, never a crash. */
export const TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  [OrderState.Placed]: [OrderState.Paid, OrderState.PaymentFailed, OrderState.Cancelled],
  [OrderState.PaymentFailed]: [OrderState.Paid, OrderState.PaymentFailed, OrderState.Cancelled],
  [OrderState.Paid]: [OrderState.Shipped, OrderState.Cancelled, OrderState.Refunded],
  [OrderState.Shipped]: [OrderState.Delivered, OrderState.Returned],
  [OrderState.Delivered]: [OrderState.Returned, OrderState.Refunded],
  [OrderState.Cancelled]: [OrderState.Refunded],
  [OrderState.Returned]: [OrderState.Refunded],
  [OrderState.Refunded]: [],
};

export function canTransition(from: OrderState | undefined, to: OrderState): boolean {
  if (from === undefined) return to === OrderState.Placed;
  return TRANSITIONS[from].includes(to);
}

export interface StateEntry {
  state: OrderState;
  enteredAt: string;
  /** The event type and id that moved the order here. */
  trigger: string;
  /** Until the next state; null while the order is still in it. */
  timeSpentMs: number | null;
}

export interface StateAnomaly {
  at: string;
  from: OrderState | null;
  trigger: string;
  reason: string;
}

export interface OrderStateHistory {
  state: OrderState | null;
  history: StateEntry[];
  anomalies: StateAnomaly[];
}

/** Runs an order's facts through the state machine in event-time order. */
export function orderStateHistory(facts: readonly Fact[]): OrderStateHistory {
  const history: StateEntry[] = [];
  const anomalies: StateAnomaly[] = [];
  let state: OrderState | undefined;
  let enteredAt = 0;
  for (const fact of [...facts].sort(compareFacts)) {
    const next = STATE_TRIGGERS[fact.type];
    if (!next) continue;
    const trigger = `${fact.type} ${fact.key.slice(fact.key.indexOf('\u0000') + 1)}`;
    const at = isoTimestamp(fact.at);
    if (!canTransition(state, next)) {
      anomalies.push({
        at,
        from: state ?? null,
        trigger,
        reason: `${state ?? 'no order'} cannot become ${next}`,
      });
      continue;
    }
    if (state === next) continue; // a repeated failure: same state, nothing new entered
    const previous = history[history.length - 1];
    if (previous) previous.timeSpentMs = fact.at - enteredAt;
    history.push({ state: next, enteredAt: at, trigger, timeSpentMs: null });
    state = next;
    enteredAt = fact.at;
  }
  return { state: state ?? null, history, anomalies };
}
