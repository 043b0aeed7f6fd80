import { contextReferenceId, type ContextRecord } from '@ctxb/context';
import { order12345Records } from '@ctxb/simulation';

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
      checkoutHesitation: { ...base.signals.checkoutHesitation, ratioToBaseline: hesitation },
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
