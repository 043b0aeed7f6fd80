import type { Fact } from './facts';
import { addMicros, fromMicros, toMicros } from './money';

/**
 * The money of one order as each system reports it, in the order's currency (decimal
 * strings; amounts in another currency are left out): what the shop took, what payments,
 * returns and refunds moved, what the ERP invoiced (AR) and posted to revenue accounts (GL).
 */
export interface OrderAmounts {
  currency: string | null;
  /** The order total from `order.placed`. */
  ordered: string | null;
  /** Payments that succeeded (each payment id once). */
  paid: string;
  refunded: string;
  /** Goods value of returns (when the warehouse reports it). */
  returned: string;
  /** AR: invoices issued for the order. */
  invoiced: string;
  /** GL: credits to revenue accounts on the order's journal lines … */
  revenueCredited: string;
  /** … and debits to them (reversals, corrections). */
  revenueDebited: string;
  /**
   * False when nothing was earned: no payment succeeded and one failed or the order was
   * cancelled. An order without any payment news counts as realized (a source not wired up
   * must not erase revenue).
   */
  realized: boolean;
}

/** The amounts of an order from its facts (any order, any repeats). */
export function orderAmounts(placed: Fact | undefined, facts: readonly Fact[]): OrderAmounts {
  const currency = placed?.currency ?? null;
  const sameCurrency = (f: Fact) => !currency || !f.currency || f.currency === currency;
  const orderId = placed?.orders?.[0];
  const sums = { paid: '0', refunded: '0', returned: '0', invoiced: '0', credit: '0', debit: '0' };
  const add = (key: keyof typeof sums, amount: string | null | undefined) => {
    const micros = toMicros(amount);
    if (micros !== null) sums[key] = addMicros(sums[key], micros);
  };
  const succeeded = new Set<string>();
  let failed = false;
  let cancelled = false;
  // Sums, a set and two flags: the facts' order does not matter, so they are not sorted.
  for (const fact of facts) {
    if (!sameCurrency(fact)) continue;
    switch (fact.type) {
      case 'payment.succeeded':
        if (fact.ref && succeeded.has(fact.ref)) break;
        if (fact.ref) succeeded.add(fact.ref);
        add('paid', fact.amount);
        break;
      case 'payment.failed':
        failed = true;
        break;
      case 'payment.refunded':
        add('refunded', fact.amount);
        break;
      case 'fulfillment.returned':
        add('returned', fact.amount);
        break;
      case 'invoice.issued':
        add('invoiced', fact.amount);
        break;
      case 'order.cancelled':
        cancelled = true;
        break;
      case 'journal.posted': {
        const lines = orderId ? fact.revenue?.[orderId] : undefined;
        if (lines) {
          sums.credit = addMicros(sums.credit, lines.credit);
          sums.debit = addMicros(sums.debit, lines.debit);
        }
        break;
      }
    }
  }
  // Sums are written with as many decimals as the order total (249.90, not 249.9).
  const decimals = placed?.amount?.split('.')[1]?.length ?? 0;
  const money = (micros: string) => fromMicros(micros, decimals);
  return {
    currency,
    ordered: placed?.amount ?? null,
    paid: money(sums.paid),
    refunded: money(sums.refunded),
    returned: money(sums.returned),
    invoiced: money(sums.invoiced),
    revenueCredited: money(sums.credit),
    revenueDebited: money(sums.debit),
    realized: succeeded.size > 0 || !(failed || cancelled),
  };
}
