import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { ContextEngine } from './context-engine';
import { contextOptions } from './context-options';
import type { ContextRecord } from './context-record';

/** The final version of each order after all `events`. */
function finalRecords(events: CloudEvent[], revenueAccountPrefixes = ['4']): ContextRecord[] {
  const engine = new ContextEngine(contextOptions({ revenueAccountPrefixes }));
  const records = [...events.flatMap((e) => engine.ingest(e).records), ...engine.drain()];
  const newest = new Map<string, ContextRecord>();
  for (const r of records) newest.set(r.order.orderId, r);
  return [...newest.values()];
}

/** Sum of decimal strings in cents, for expectations computed from the events themselves. */
const cents = (amounts: string[]) =>
  amounts.reduce((sum, a) => sum + Math.round(Number(a) * 100), 0);

describe('orderAmounts', () => {
  it('reports the story order as the shop, AR and GL saw it (expected from the events)', () => {
    const events = order12345Events();
    const [record] = finalRecords(events).filter((r) => r.order.orderId === ORDER_12345.orderId);
    const of = (type: string) => events.filter((e) => e.type === type);
    const invoiced = cents(of('invoice.issued').map((e) => e.data.amount as string));
    const revenue = of('journal.posted').flatMap((e) =>
      (e.data.lines as { account: string; credit: string; debit: string }[]).filter((l) =>
        l.account.startsWith('4'),
      ),
    );
    expect(record.amounts).toEqual({
      currency: 'EUR',
      ordered: ORDER_12345.total,
      paid: ORDER_12345.total,
      refunded: '0.00',
      returned: '0.00',
      invoiced: (invoiced / 100).toFixed(2),
      revenueCredited: (cents(revenue.map((l) => l.credit)) / 100).toFixed(2),
      revenueDebited: (cents(revenue.map((l) => l.debit)) / 100).toFixed(2),
      realized: true,
    });
    // GL revenue is the net of VAT: less than the invoiced gross.
    expect(Number(record.amounts.revenueCredited)).toBeLessThan(Number(record.amounts.invoiced));
  });

  it('reads revenue from the configured accounts only', () => {
    const [record] = finalRecords(order12345Events(), ['8']).filter(
      (r) => r.order.orderId === ORDER_12345.orderId,
    );
    expect(record.amounts.revenueCredited).toBe('0.00');
  });

  const order = (type: string, data: Record<string, unknown>, minute: number): CloudEvent =>
    exampleEvent(type, {
      id: `${type}-${minute}`,
      time: new Date(Date.parse('2026-03-14T10:00:00Z') + minute * 60_000).toISOString(),
      correlationid: 'A-1',
      data: { orderId: 'A-1', ...data },
    });
  const placed = order(
    'order.placed',
    {
      total: '100.00',
      currency: 'EUR',
      lines: [{ productId: 'P-1', quantity: 1, unitPrice: '100.00' }],
    },
    0,
  );
  const payment = (status: string, paymentId: string, amount: string, minute: number) =>
    order(`payment.${status}`, { paymentId, amount, currency: 'EUR' }, minute);

  it('counts each payment once, returns and refunds as they come, other currencies not at all', () => {
    const [record] = finalRecords([
      placed,
      payment('succeeded', 'p1', '100.00', 1),
      payment('succeeded', 'p1', '100.00', 2),
      order('fulfillment.returned', { amount: '40.00' }, 3),
      payment('refunded', 'r1', '40.00', 4),
      order('payment.refunded', { paymentId: 'r2', amount: '5.00', currency: 'USD' }, 5),
    ]);
    expect(record.amounts).toMatchObject({
      paid: '100.00',
      returned: '40.00',
      refunded: '40.00',
      realized: true,
    });
  });

  it('is not realized when the payment failed and nothing succeeded, or the order was cancelled', () => {
    const [failed] = finalRecords([placed, payment('failed', 'p1', '100.00', 1)]);
    expect(failed.amounts.realized).toBe(false);
    const [retried] = finalRecords([
      placed,
      payment('failed', 'p1', '100.00', 1),
      payment('succeeded', 'p2', '100.00', 2),
    ]);
    expect(retried.amounts.realized).toBe(true);
    const [cancelled] = finalRecords([placed, order('order.cancelled', {}, 1)]);
    expect(cancelled.amounts.realized).toBe(false);
    const [silent] = finalRecords([placed]);
    expect(silent.amounts).toMatchObject({ realized: true, paid: '0.00', invoiced: '0.00' });
  });
});
