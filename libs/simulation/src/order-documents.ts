import { money, SOURCES } from './catalogue-data';
import type { JourneyWriter } from './journey-writer';
import type { SeededRandom } from './seeded-random';

export interface OrderOutcome {
  paymentFails?: 'then-succeeds' | 'cancelled';
  returned?: boolean;
}

/**
 * Everything after `order.placed` that other systems report: payment gateway, warehouse,
 * ERP (invoice and revenue journal). Amounts are exact (cents), VAT split at 19 %.
 */
export function writeOrderAftermath(
  journey: JourneyWriter,
  orderId: string,
  totalCents: number,
  outcome: OrderOutcome,
  random?: SeededRandom,
): void {
  const payment = (type: string, paymentId: string, extra: Record<string, unknown> = {}) =>
    journey.emit(
      type,
      { orderId, paymentId, amount: money(totalCents), currency: 'EUR', method: 'card', ...extra },
      { source: SOURCES.payments, web: false, correlationid: orderId },
    );

  journey.wait(2_000);
  payment('payment.attempted', `pay-${orderId}-1`);
  journey.wait(1_500);
  if (outcome.paymentFails) {
    payment('payment.failed', `pay-${orderId}-1`, { reason: 'insufficient funds' });
    if (outcome.paymentFails === 'cancelled') {
      journey.wait(3_600_000);
      journey.emit(
        'order.cancelled',
        { orderId, reason: 'payment failed' },
        { source: SOURCES.backend, web: false, correlationid: orderId },
      );
      return;
    }
    journey.wait(60_000);
    payment('payment.attempted', `pay-${orderId}-2`);
    journey.wait(1_500);
    payment('payment.succeeded', `pay-${orderId}-2`);
  } else {
    payment('payment.succeeded', `pay-${orderId}-1`);
  }

  const netCents = Math.round((totalCents * 100) / 119);
  const vatCents = totalCents - netCents;
  journey.wait(10 * 60_000);
  journey.emit(
    'invoice.issued',
    { invoiceNo: `INV-${orderId}`, orderId, amount: money(totalCents), currency: 'EUR' },
    { source: SOURCES.erp, web: false, correlationid: orderId },
  );
  journey.wait(60_000);
  journey.emit(
    'journal.posted',
    {
      journalId: `JE-${orderId}`,
      lines: [
        { account: '1200', debit: money(totalCents), credit: '0.00', orderId },
        { account: '4000', debit: '0.00', credit: money(netCents), orderId },
        { account: '2200', debit: '0.00', credit: money(vatCents), orderId },
      ],
    },
    { source: SOURCES.erp, web: false, correlationid: orderId },
  );
  journey.wait((18 + (random?.int(0, 30) ?? 0)) * 3_600_000);
  journey.emit(
    'fulfillment.shipped',
    { orderId, carrier: 'DHL', trackingNo: `JD${orderId}` },
    { source: SOURCES.warehouse, web: false, correlationid: orderId },
  );
  journey.wait((40 + (random?.int(0, 40) ?? 0)) * 3_600_000);
  journey.emit(
    'fulfillment.delivered',
    { orderId },
    { source: SOURCES.warehouse, web: false, correlationid: orderId },
  );
  if (outcome.returned) {
    journey.wait(5 * 24 * 3_600_000);
    journey.emit(
      'fulfillment.returned',
      { orderId, amount: money(totalCents), reason: 'changed mind' },
      { source: SOURCES.warehouse, web: false, correlationid: orderId },
    );
    journey.wait(24 * 3_600_000);
    payment('payment.refunded', `pay-${orderId}-refund`);
  }
}
