import { isoTimestamp } from '@ctxb/events';
import { compareFacts, type Fact } from './facts';

/** Business ids that belong to one order, from every system that reported on it. */
export interface CorrelatedIds {
  cartId: string | null;
  payments: { paymentId: string; status: string; amount: string | null; at: string }[];
  shipments: string[];
  returns: string[];
  invoices: string[];
  journals: string[];
}

export type CorrelationKind = 'cart' | 'payment' | 'shipment' | 'return' | 'invoice' | 'journal';

const KIND_OF_TYPE: Readonly<Record<string, CorrelationKind>> = {
  'payment.attempted': 'payment',
  'payment.succeeded': 'payment',
  'payment.failed': 'payment',
  'payment.refunded': 'payment',
  'fulfillment.shipped': 'shipment',
  'fulfillment.returned': 'return',
  'invoice.issued': 'invoice',
  'journal.posted': 'journal',
};

/** The correlated ids of an order, from its facts (any order, any duplicates). */
export function correlateOrder(placed: Fact | undefined, facts: readonly Fact[]): CorrelatedIds {
  const payments = new Map<string, CorrelatedIds['payments'][number]>();
  const sets = {
    shipment: new Set<string>(),
    return: new Set<string>(),
    invoice: new Set<string>(),
    journal: new Set<string>(),
  };
  for (const fact of [...facts].sort(compareFacts)) {
    const kind = KIND_OF_TYPE[fact.type];
    if (!kind || !fact.ref) continue;
    if (kind === 'payment') {
      payments.set(fact.ref, {
        paymentId: fact.ref,
        status: fact.type.slice('payment.'.length),
        amount: fact.amount ?? null,
        at: isoTimestamp(fact.at),
      });
    } else if (kind !== 'cart') sets[kind].add(fact.ref);
  }
  return {
    cartId: placed?.cart ?? null,
    payments: [...payments.values()].sort((a, b) => a.paymentId.localeCompare(b.paymentId)),
    shipments: [...sets.shipment].sort(),
    returns: [...sets.return].sort(),
    invoices: [...sets.invoice].sort(),
    journals: [...sets.journal].sort(),
  };
}

/**
 * The correlation chain queryable both ways: order → every id, and any id (by kind) → its
 * orders. Built from facts as they arrive; idempotent.
 */
export class CorrelationIndex {
  private readonly toOrders = new Map<string, Set<string>>();
  private readonly fromOrder = new Map<string, Map<string, CorrelationKind>>();

  add(fact: Fact, live: (orderId: string) => boolean = () => true): void {
    const kind: CorrelationKind | undefined =
      fact.type === 'order.placed' ? 'cart' : KIND_OF_TYPE[fact.type];
    const id = fact.type === 'order.placed' ? fact.cart : fact.ref;
    if (!kind || !id) return;
    for (const orderId of fact.orders ?? []) {
      if (!live(orderId)) continue;
      const key = `${kind}:${id}`;
      const orders = this.toOrders.get(key) ?? new Set<string>();
      orders.add(orderId);
      this.toOrders.set(key, orders);
      const ids = this.fromOrder.get(orderId) ?? new Map<string, CorrelationKind>();
      ids.set(key, kind);
      this.fromOrder.set(orderId, ids);
    }
  }

  /** Orders a business id belongs to, e.g. `ordersOf('invoice', 'INV-12345')`. */
  ordersOf(kind: CorrelationKind, id: string): string[] {
    return [...(this.toOrders.get(`${kind}:${id}`) ?? [])].sort();
  }

  /** Every correlated id of an order as `kind:id`. */
  idsOf(orderId: string): string[] {
    return [...(this.fromOrder.get(orderId)?.keys() ?? [])].sort();
  }

  forget(orderId: string): void {
    for (const key of this.fromOrder.get(orderId)?.keys() ?? []) {
      const orders = this.toOrders.get(key);
      orders?.delete(orderId);
      if (orders?.size === 0) this.toOrders.delete(key);
    }
    this.fromOrder.delete(orderId);
  }
}
