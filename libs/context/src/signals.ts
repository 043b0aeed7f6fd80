import type { Fact } from './facts';
import type { Session } from './sessions';

export interface CheckoutHesitation {
  /** Time spent in checkout form fields. */
  fieldDwellMs: number;
  corrections: number;
  /** Checkout start → order. */
  checkoutToOrderMs: number | null;
  baselineMs: number;
  /** checkoutToOrderMs ÷ baseline: above 1 means slower than the customer base. */
  ratioToBaseline: number | null;
}

export interface Signals {
  cartAbandons: number;
  productsCompared: number;
  reviewsRead: number;
  productPageActiveMs: number;
  checkoutPageLoadMs: number | null;
  checkoutHesitation: CheckoutHesitation;
  checkoutErrors: { count: number; codes: string[] };
  discount: { code: string; foundInSession: number | null; appliedInSession: number | null } | null;
}

/**
 * Behavioural and performance signals of one journey that ended in an order placed at
 * `orderedAt` in session `orderSession` (1-based; 0 when the order came without behaviour).
 */
export function journeySignals(
  sessions: readonly Session[],
  orderedAt: number,
  orderSession: number,
  discountCode: string | undefined,
  baselineMs: number,
): Signals {
  let cartAbandons = 0;
  const compared = new Set<string>();
  const reviews = new Set<string>();
  let productPageActiveMs = 0;
  let lastCheckout: { fact: Fact; session: number } | undefined;
  let discountApplied: { code: string; session: number } | undefined;

  for (const session of sessions) {
    const productPaths = new Set<string>();
    let currentPath: string | undefined;
    let added = false;
    let checkedOut = false;
    for (const fact of session.facts) {
      switch (fact.type) {
        case 'page.viewed':
          currentPath = fact.path;
          break;
        case 'product.viewed':
          if (currentPath) productPaths.add(currentPath);
          break;
        case 'page.engaged':
          if (fact.path && productPaths.has(fact.path)) productPageActiveMs += fact.activeMs ?? 0;
          break;
        case 'product.compared':
          for (const id of fact.products ?? []) compared.add(id);
          break;
        case 'review.read':
          reviews.add(fact.ref ?? `${fact.product}@${fact.key}`);
          break;
        case 'cart.item.added':
          added = true;
          break;
        case 'checkout.started':
          checkedOut = true;
          if (fact.at <= orderedAt) lastCheckout = { fact, session: session.index };
          break;
        case 'discount.applied':
          if (fact.code) discountApplied = { code: fact.code, session: session.index };
          break;
      }
    }
    if (added && !checkedOut && session.index !== orderSession) cartAbandons++;
  }

  const checkoutFacts = lastCheckout
    ? sessions
        .flatMap((s) => s.facts)
        .filter((f) => f.at >= lastCheckout.fact.at && f.at <= orderedAt)
    : [];
  const dwell = checkoutFacts.filter((f) => f.type === 'checkout.field.interacted');
  const errors = checkoutFacts.filter((f) => f.type === 'checkout.error');
  const checkoutToOrderMs = lastCheckout ? orderedAt - lastCheckout.fact.at : null;
  const code = discountCode ?? discountApplied?.code;

  return {
    cartAbandons,
    productsCompared: compared.size,
    reviewsRead: reviews.size,
    productPageActiveMs,
    checkoutPageLoadMs: lastCheckout?.fact.loadMs ?? null,
    checkoutHesitation: {
      fieldDwellMs: dwell.reduce((sum, f) => sum + (f.dwellMs ?? 0), 0),
      corrections: dwell.reduce((sum, f) => sum + (f.corrections ?? 0), 0),
      checkoutToOrderMs,
      baselineMs,
      ratioToBaseline:
        checkoutToOrderMs === null
          ? null
          : Math.round((checkoutToOrderMs / baselineMs) * 100) / 100,
    },
    checkoutErrors: {
      count: errors.length,
      codes: [...new Set(errors.map((e) => e.code ?? 'unknown'))].sort(),
    },
    discount: code
      ? {
          code,
          foundInSession: discoverySession(sessions, code) ?? discountApplied?.session ?? null,
          appliedInSession: discountApplied?.code === code ? discountApplied.session : null,
        }
      : null,
  };
}

/** The first session in which the shopper saw the code: a click on an element labelled with it. */
function discoverySession(sessions: readonly Session[], code: string): number | undefined {
  const wanted = code.toLowerCase();
  return sessions.find((s) =>
    s.facts.some((f) => f.type === 'element.clicked' && f.label?.toLowerCase() === wanted),
  )?.index;
}
