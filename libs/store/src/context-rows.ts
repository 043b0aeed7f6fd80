import type { ContextRecord } from '@ctxb/context';
import { toMicros } from '@ctxb/context';

/** `2026-03-14T16:05:00.000Z` → `2026-03-14 16:05:00` (DateTime, UTC; works on 18.16 too). */
export function clickHouseDateTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

/** A DateTime as ClickHouse writes it (`2026-03-14 16:05:00`, UTC) → ms since the epoch. */
export function fromClickHouseDateTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** Every row carries the version it belongs to: reads keep only each context's newest. */
interface Versioned {
  context_reference_id: string;
  version: number;
}

/** One per version: what roll-ups filter and group on, without parsing the record. */
export interface ContextSummaryRow extends Versioned {
  order_id: string;
  customer_id: string;
  placed_at: string;
  as_of: string;
  currency: string;
  total_micros: string | null;
  state: string;
  first_touch_channel: string;
  first_touch_campaign: string;
  last_touch_channel: string;
  last_touch_campaign: string;
  touchpoints: number;
  sessions: number;
  days_to_convert: number | null;
  checkout_load_ms: number | null;
  checkout_to_order_ms: number | null;
  hesitation_ratio: number | null;
  cart_abandons: number;
  products_compared: number;
  reviews_read: number;
  checkout_errors: number;
  discount_code: string;
  quality: number;
}

/**
 * One per version: the order's money by module, gross and net (integer micro-units).
 * Net: a return and its refund are one reduction (the larger counts); an order that was never
 * paid (payment failed, cancelled) earned nothing; GL net is credits less debits on revenue.
 */
export interface AmountsRow extends Versioned {
  placed_at: string;
  currency: string;
  realized: number;
  ordered_gross_micros: string;
  ordered_net_micros: string;
  ar_gross_micros: string;
  ar_net_micros: string;
  gl_gross_micros: string;
  gl_net_micros: string;
  paid_micros: string;
  refunded_micros: string;
  returned_micros: string;
}

export interface SessionRow extends Versioned {
  position: number;
  started_at: string;
  ended_at: string;
  page_views: number;
  product_interactions: number;
  cart_modifications: number;
  active_ms: number;
  channel: string;
}

export interface TouchpointRow extends Versioned {
  position: number;
  session: number;
  at: string;
  channel: string;
  source: string;
  medium: string;
  campaign: string;
}

export interface AttributionRow extends Versioned {
  model: string;
  channel: string;
  campaign: string;
  weight: number;
}

export interface StateRow extends Versioned {
  position: number;
  state: string;
  entered_at: string;
  trigger: string;
  time_spent_ms: number | null;
}

/** An id of another system's document (`invoice`, `journal`, `payment`, …) and its order. */
export interface CorrelationRow extends Versioned {
  kind: string;
  id: string;
  order_id: string;
}

export interface ContextRows {
  summary: ContextSummaryRow;
  amounts: AmountsRow;
  sessions: SessionRow[];
  touchpoints: TouchpointRow[];
  attribution: AttributionRow[];
  states: StateRow[];
  correlations: CorrelationRow[];
}

/**
 * The documents of other systems a context version names, as [kind, id], each once: its cart,
 * payments, shipments, returns, invoices and GL journals (the drill-down keys of correlated_ids).
 */
function documentsNamedBy(record: ContextRecord): [string, string][] {
  const { correlations } = record;
  const documents: [string, string][] = [
    ...(correlations.cartId ? [['cart', correlations.cartId] as [string, string]] : []),
    ...correlations.payments.map((p): [string, string] => ['payment', p.paymentId]),
    ...correlations.shipments.map((id): [string, string] => ['shipment', id]),
    ...correlations.returns.map((id): [string, string] => ['return', id]),
    ...correlations.invoices.map((id): [string, string] => ['invoice', id]),
    ...correlations.journals.map((id): [string, string] => ['journal', id]),
  ];
  return [...new Map(documents.map((d) => [`${d[0]}\0${d[1]}`, d])).values()];
}

/** The rows of one context version, for the store's tables (pure). */
export function contextRows(record: ContextRecord): ContextRows {
  const key: Versioned = {
    context_reference_id: record.contextReferenceId,
    version: record.version,
  };
  const { journey, signals, order } = record;
  const summary: ContextSummaryRow = {
    ...key,
    order_id: order.orderId,
    customer_id: order.customerId ?? '',
    placed_at: clickHouseDateTime(order.placedAt),
    as_of: clickHouseDateTime(record.asOf),
    currency: order.currency ?? '',
    total_micros: toMicros(order.total),
    state: record.state.state ?? '',
    first_touch_channel: journey.firstTouch?.channel ?? '',
    first_touch_campaign: journey.firstTouch?.campaign ?? '',
    last_touch_channel: journey.lastTouch?.channel ?? '',
    last_touch_campaign: journey.lastTouch?.campaign ?? '',
    touchpoints: journey.touchpoints.length,
    sessions: record.sessions.count,
    days_to_convert: journey.daysToConvert,
    checkout_load_ms: signals.checkoutPageLoadMs,
    checkout_to_order_ms: signals.checkoutHesitation.checkoutToOrderMs,
    hesitation_ratio: signals.checkoutHesitation.ratioToBaseline,
    cart_abandons: signals.cartAbandons,
    products_compared: signals.productsCompared,
    reviews_read: signals.reviewsRead,
    checkout_errors: signals.checkoutErrors.count,
    discount_code: signals.discount?.code ?? order.discountCode ?? '',
    quality: record.quality.score,
  };
  return {
    summary,
    amounts: amountsRow(key, record),
    sessions: record.sessions.items.map((s, position) => ({
      ...key,
      position,
      started_at: clickHouseDateTime(s.startedAt),
      ended_at: clickHouseDateTime(s.endedAt),
      page_views: s.pageViews,
      product_interactions: s.productInteractions,
      cart_modifications: s.cartModifications,
      active_ms: s.activeMs,
      channel: s.channel,
    })),
    touchpoints: journey.touchpoints.map((t, position) => ({
      ...key,
      position,
      session: t.session,
      at: clickHouseDateTime(t.at),
      channel: t.channel,
      source: t.source,
      medium: t.medium,
      campaign: t.campaign ?? '',
    })),
    attribution: Object.entries(record.attribution).flatMap(([model, weights]) =>
      weights.map((w) => ({
        ...key,
        model,
        channel: w.channel,
        campaign: w.campaign ?? '',
        weight: w.weight,
      })),
    ),
    states: record.state.history.map((s, position) => ({
      ...key,
      position,
      state: s.state,
      entered_at: clickHouseDateTime(s.enteredAt),
      trigger: s.trigger,
      time_spent_ms: s.timeSpentMs,
    })),
    correlations: documentsNamedBy(record).map(([kind, id]) => ({
      ...key,
      kind,
      id,
      order_id: order.orderId,
    })),
  };
}

function amountsRow(key: Versioned, record: ContextRecord): AmountsRow {
  const a = record.amounts;
  const micros = (amount: string | null) => BigInt(toMicros(amount) ?? '0');
  const max = (x: bigint, y: bigint) => (x > y ? x : y);
  const reductions = max(micros(a.refunded), micros(a.returned));
  const ordered = micros(a.ordered);
  const invoiced = micros(a.invoiced);
  const credited = micros(a.revenueCredited);
  return {
    ...key,
    placed_at: clickHouseDateTime(record.order.placedAt),
    currency: a.currency ?? '',
    realized: a.realized ? 1 : 0,
    ordered_gross_micros: ordered.toString(),
    ordered_net_micros: (a.realized ? max(0n, ordered - reductions) : 0n).toString(),
    ar_gross_micros: invoiced.toString(),
    ar_net_micros: max(0n, invoiced - reductions).toString(),
    gl_gross_micros: credited.toString(),
    gl_net_micros: (credited - micros(a.revenueDebited)).toString(),
    paid_micros: micros(a.paid).toString(),
    refunded_micros: micros(a.refunded).toString(),
    returned_micros: micros(a.returned).toString(),
  };
}
