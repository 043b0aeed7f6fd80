import { contextReferenceId, type ContextRecord } from '@ctxb/context';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { ORDER_12345, order12345Records } from '@ctxb/simulation';

export { order12345Records };

/** An order with a chosen checkout load, total and hesitation, built on the story's first record. */
export function craftedOrder(
  orderId: string,
  placedAt: string,
  total: string,
  loadMs: number | null,
  hesitation: number | null,
  currency = 'EUR',
  version = 1,
): ContextRecord {
  const base = order12345Records()[0];
  return {
    ...base,
    contextReferenceId: contextReferenceId(orderId),
    version,
    order: { ...base.order, orderId, total, currency, placedAt },
    signals: {
      ...base.signals,
      checkoutPageLoadMs: loadMs,
      checkoutHesitation: {
        ...base.signals.checkoutHesitation,
        // The checkout-to-order time that makes the ratio, against the story's baseline.
        checkoutToOrderMs:
          hesitation === null
            ? null
            : Math.round(hesitation * base.signals.checkoutHesitation.baselineMs),
        ratioToBaseline: hesitation,
      },
    },
  };
}

/** The story's newest context, as an order of its own (its own number and reference). */
export function storyCopy(orderId: string): ContextRecord {
  const story = order12345Records().at(-1)!;
  return {
    ...story,
    contextReferenceId: contextReferenceId(orderId),
    order: { ...story.order, orderId },
  };
}

/**
 * A try of linking the story's newest version into the sample ERP's order header, as the delivery
 * log keeps it: written at the first attempt unless `more` says otherwise.
 */
export function storyDelivery(more: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  const newest = order12345Records().at(-1)!;
  return {
    at: new Date('2026-03-14T16:06:00Z'),
    connector: 'sample-erp',
    target: 'om',
    contextReferenceId: newest.contextReferenceId,
    version: newest.version,
    orderId: ORDER_12345.orderId,
    jobId: `${newest.contextReferenceId}.v${newest.version}.om`,
    attempt: 1,
    status: 'written',
    recordIds: [ORDER_12345.orderId],
    failureKind: '',
    error: '',
    durationMs: 4,
    ...more,
  };
}
