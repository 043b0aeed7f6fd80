import type { CloudEvent } from '@ctxb/events';

/**
 * What generated traffic says about each order, read straight from the events by the
 * catalogue's field names — written apart from the engine, so the pipeline's answers can be
 * checked against it. Money is in integer cents; times in ms since the epoch.
 */
export interface LedgerOrder {
  orderId: string;
  device: string;
  customerId: string;
  placedAt: number;
  currency: string;
  totalCents: number;
  /** The checkout page's load time the shopper saw last before ordering. */
  checkoutLoadMs: number | null;
  /** The campaign of the journey's first landing page (null: search, social or direct). */
  firstCampaign: string | null;
  /** Visits before the order: a new one after 30 minutes without activity. */
  sessions: number;
  /** Each state entered, in time order (as the order's events report them). */
  states: { state: string; at: number }[];
  invoiceNos: string[];
  journalIds: string[];
  paidCents: number;
  invoicedCents: number;
  refundedCents: number;
  returnedCents: number;
  /** GL lines on revenue accounts (4xxx) for this order. */
  revenueCreditCents: number;
  revenueDebitCents: number;
  failed: boolean;
  cancelled: boolean;
}

const SESSION_GAP_MS = 30 * 60_000;
const STATE_OF: Record<string, string> = {
  'order.placed': 'placed',
  'payment.failed': 'payment-failed',
  'payment.succeeded': 'paid',
  'fulfillment.shipped': 'shipped',
  'fulfillment.delivered': 'delivered',
  'order.cancelled': 'cancelled',
  'fulfillment.returned': 'returned',
  'payment.refunded': 'refunded',
};

export const cents = (amount: unknown): number => Math.round(Number(amount) * 100);

/** Every order of the traffic, in order of placement. */
export function ledgerOrders(events: readonly CloudEvent[]): LedgerOrder[] {
  const timed = [...events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const byDevice = new Map<string, CloudEvent[]>();
  for (const e of timed)
    if (e.anonymousid) byDevice.set(e.anonymousid, [...(byDevice.get(e.anonymousid) ?? []), e]);
  const orders = new Map<string, LedgerOrder>();
  for (const e of timed) {
    const data = e.data;
    if (e.type === 'order.placed') {
      const placedAt = Date.parse(e.time);
      const before = (byDevice.get(e.anonymousid!) ?? []).filter(
        (d) => Date.parse(d.time) <= placedAt,
      );
      const landing = before.find((d) => d.type === 'page.viewed');
      const checkouts = before.filter((d) => d.type === 'checkout.started');
      let sessions = 0;
      let last = Number.NEGATIVE_INFINITY;
      for (const d of before) {
        if (Date.parse(d.time) - last > SESSION_GAP_MS) sessions++;
        last = Date.parse(d.time);
      }
      orders.set(String(data.orderId), {
        orderId: String(data.orderId),
        device: e.anonymousid!,
        customerId: String(data.customerId),
        placedAt,
        currency: String(data.currency),
        totalCents: cents(data.total),
        checkoutLoadMs: checkouts.length
          ? Number(checkouts[checkouts.length - 1].data.pageLoadMs)
          : null,
        firstCampaign:
          ((landing?.data.utm as Record<string, string> | undefined)?.campaign as string) ?? null,
        sessions,
        states: [{ state: 'placed', at: placedAt }],
        invoiceNos: [],
        journalIds: [],
        paidCents: 0,
        invoicedCents: 0,
        refundedCents: 0,
        returnedCents: 0,
        revenueCreditCents: 0,
        revenueDebitCents: 0,
        failed: false,
        cancelled: false,
      });
      continue;
    }
    if (e.type === 'journal.posted') {
      for (const line of data.lines as Record<string, string>[]) {
        const order = orders.get(line.orderId);
        if (!order || !line.account.startsWith('4')) continue;
        order.revenueCreditCents += cents(line.credit);
        order.revenueDebitCents += cents(line.debit);
        if (!order.journalIds.includes(String(data.journalId)))
          order.journalIds.push(String(data.journalId));
      }
      continue;
    }
    const order = orders.get(String(data.orderId));
    if (!order) continue;
    const state = STATE_OF[e.type];
    if (state) order.states.push({ state, at: Date.parse(e.time) });
    if (e.type === 'payment.succeeded') order.paidCents += cents(data.amount);
    if (e.type === 'payment.failed') order.failed = true;
    if (e.type === 'order.cancelled') order.cancelled = true;
    if (e.type === 'payment.refunded') order.refundedCents += cents(data.amount);
    if (e.type === 'fulfillment.returned') order.returnedCents += cents(data.amount);
    if (e.type === 'invoice.issued') {
      order.invoicedCents += cents(data.amount);
      order.invoiceNos.push(String(data.invoiceNo));
    }
  }
  return [...orders.values()];
}

/**
 * The money of an order by module, gross and net, as the product defines it: net takes off
 * the larger of refunds and returns; an order never paid (a failed payment or a
 * cancellation, and no success) earned nothing; GL net is credits less debits.
 */
export function moduleCents(o: LedgerOrder) {
  const reductions = Math.max(o.refundedCents, o.returnedCents);
  const realized = o.paidCents > 0 || !(o.failed || o.cancelled);
  return {
    ordered: {
      gross: o.totalCents,
      net: realized ? Math.max(0, o.totalCents - reductions) : 0,
    },
    invoiced: { gross: o.invoicedCents, net: Math.max(0, o.invoicedCents - reductions) },
    postedRevenue: {
      gross: o.revenueCreditCents,
      net: o.revenueCreditCents - o.revenueDebitCents,
    },
  };
}

/**
 * Each device's journey up to its first order: whether it ordered, and a few things it did
 * before, read from the events by type.
 */
export function ledgerJourneys(events: readonly CloudEvent[]) {
  const byDevice = new Map<string, CloudEvent[]>();
  for (const e of events)
    if (e.anonymousid) byDevice.set(e.anonymousid, [...(byDevice.get(e.anonymousid) ?? []), e]);
  return [...byDevice.values()].map((list) => {
    const timed = [...list].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const order = timed.findIndex((e) => e.type === 'order.placed');
    const before = order < 0 ? timed : timed.slice(0, order + 1);
    const checkouts = before.filter((e) => e.type === 'checkout.started');
    return {
      converted: order >= 0,
      searched: before.some((e) => e.type === 'search.performed'),
      startedCheckout: checkouts.length > 0,
      slowCheckout: checkouts.some((e) => Number(e.data.pageLoadMs) > 5000),
    };
  });
}
