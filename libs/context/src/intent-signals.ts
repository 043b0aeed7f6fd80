import type { Session } from './sessions';

/**
 * Behaviour that says a shopper means to buy (intent), or that gets in the way (friction),
 * as seen in a journey before its first order. Each is a yes/no per journey, so close rates
 * can be compared: of the journeys that showed it, how many ordered.
 */
export const INTENT_SIGNALS = [
  { signal: 'returning-visitor', kind: 'intent', description: 'came back for a second visit' },
  { signal: 'searched', kind: 'intent', description: 'used the site search' },
  { signal: 'browsed-3-products', kind: 'intent', description: 'looked at 3 or more products' },
  {
    signal: 'engaged-2-min-on-products',
    kind: 'intent',
    description: 'spent 2 minutes or more active on product pages',
  },
  { signal: 'read-reviews', kind: 'intent', description: 'read product reviews' },
  { signal: 'compared-products', kind: 'intent', description: 'compared products' },
  { signal: 'added-to-cart', kind: 'intent', description: 'put something in the cart' },
  {
    signal: 'abandoned-cart',
    kind: 'intent',
    description: 'left a visit with items in the cart, without starting checkout',
  },
  { signal: 'applied-discount', kind: 'intent', description: 'applied a discount code' },
  { signal: 'started-checkout', kind: 'intent', description: 'started the checkout' },
  {
    signal: 'slow-checkout-page',
    kind: 'friction',
    description: 'saw a checkout page that took over 5 s to load',
  },
  { signal: 'checkout-error', kind: 'friction', description: 'hit an error in the checkout form' },
] as const;

export type IntentSignal = (typeof INTENT_SIGNALS)[number]['signal'];

const SLOW_CHECKOUT_MS = 5_000;
const ENGAGED_MS = 2 * 60_000;

/** The signals a journey's sessions show (in INTENT_SIGNALS order). Pure. */
export function intentSignals(sessions: readonly Session[]): IntentSignal[] {
  const seen = new Set<IntentSignal>();
  if (sessions.length >= 2) seen.add('returning-visitor');
  const products = new Set<string>();
  let productActiveMs = 0;
  for (const session of sessions) {
    const productPaths = new Set<string>();
    let path: string | undefined;
    let added = false;
    let checkout = false;
    for (const fact of session.facts) {
      switch (fact.type) {
        case 'page.viewed':
          path = fact.path;
          break;
        case 'product.viewed':
          if (fact.product) products.add(fact.product);
          if (path) productPaths.add(path);
          break;
        case 'page.engaged':
          if (fact.path && productPaths.has(fact.path)) productActiveMs += fact.activeMs ?? 0;
          break;
        case 'search.performed':
          seen.add('searched');
          break;
        case 'review.read':
          seen.add('read-reviews');
          break;
        case 'product.compared':
          seen.add('compared-products');
          break;
        case 'cart.item.added':
          seen.add('added-to-cart');
          added = true;
          break;
        case 'discount.applied':
          seen.add('applied-discount');
          break;
        case 'checkout.started':
          seen.add('started-checkout');
          checkout = true;
          if ((fact.loadMs ?? 0) > SLOW_CHECKOUT_MS) seen.add('slow-checkout-page');
          break;
        case 'checkout.error':
          seen.add('checkout-error');
          break;
      }
    }
    if (added && !checkout) seen.add('abandoned-cart');
  }
  if (products.size >= 3) seen.add('browsed-3-products');
  if (productActiveMs >= ENGAGED_MS) seen.add('engaged-2-min-on-products');
  return INTENT_SIGNALS.map((s) => s.signal).filter((s) => seen.has(s));
}

export interface SignalCloseRate {
  signal: IntentSignal;
  kind: 'intent' | 'friction';
  description: string;
  /** Journeys that showed the signal … */
  journeys: number;
  /** … and of those, the ones that ended in an order. */
  converting: number;
  closeRate: number | null;
  /** The close rate of the journeys that did not show it. */
  closeRateWithout: number | null;
  /** closeRate ÷ the close rate of all journeys (above 1: the signal goes with buying). */
  lift: number | null;
}

export interface IntentReport {
  journeys: number;
  converting: number;
  closeRate: number | null;
  /** Every signal, highest lift first (ties: catalogue order). */
  signals: SignalCloseRate[];
}

/** Close rates per signal over journeys (each: its signals and whether it ordered). Pure. */
export function signalCloseRates(
  journeys: Iterable<{ signals: readonly IntentSignal[]; converted: boolean; count?: number }>,
): IntentReport {
  const shown = new Map<IntentSignal, { journeys: number; converting: number }>();
  let total = 0;
  let converting = 0;
  for (const j of journeys) {
    const n = j.count ?? 1;
    total += n;
    if (j.converted) converting += n;
    for (const signal of j.signals) {
      const s = shown.get(signal) ?? { journeys: 0, converting: 0 };
      s.journeys += n;
      if (j.converted) s.converting += n;
      shown.set(signal, s);
    }
  }
  const rate = (k: number, n: number) => (n > 0 ? round(k / n) : null);
  const overall = rate(converting, total);
  const signals = INTENT_SIGNALS.map(({ signal, kind, description }, order) => {
    const s = shown.get(signal) ?? { journeys: 0, converting: 0 };
    const closeRate = rate(s.converting, s.journeys);
    return {
      order,
      row: {
        signal,
        kind,
        description,
        journeys: s.journeys,
        converting: s.converting,
        closeRate,
        closeRateWithout: rate(converting - s.converting, total - s.journeys),
        lift:
          closeRate !== null && overall
            ? round(s.converting / s.journeys / (converting / total))
            : null,
      } satisfies SignalCloseRate,
    };
  });
  signals.sort((a, b) => (b.row.lift ?? -1) - (a.row.lift ?? -1) || a.order - b.order);
  return { journeys: total, converting, closeRate: overall, signals: signals.map((s) => s.row) };
}

/** Nine decimals: stable output, far below any reporting precision. */
const round = (x: number) => Math.round(x * 1e9) / 1e9;
