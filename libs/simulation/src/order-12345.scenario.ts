import type { CloudEvent } from '@ctxb/events';
import { CAMPAIGNS, product } from './catalogue-data';
import { JourneyWriter } from './journey-writer';
import { writeOrderAftermath } from './order-documents';

/**
 * The fixed story every demo and acceptance test tells: order 12345.
 *   - 5 sessions over 3 days; first touch the Google Ads campaign "spring-espresso", 3 days
 *     before the order;
 *   - the cart abandoned twice (items added in sessions 1 and 2, no checkout);
 *   - 7 products compared, 3 reviews read, 12 minutes on product pages in all;
 *   - the discount code SPRING10 found in session 3 (newsletter) and used at checkout;
 *   - the checkout page loaded in 4 s; the order placed 2026-03-14 16:05 UTC for 249.90 EUR.
 * Customer C-1001 and the amounts match the sample ERP's seed (docker/erp-sample).
 */
export const ORDER_12345 = {
  orderId: '12345',
  customerId: 'C-1001',
  anonymousId: 'anon-12345',
  orderedAt: Date.parse('2026-03-14T16:05:00Z'),
  firstTouchAt: Date.parse('2026-03-11T16:00:00Z'),
  total: '249.90',
  discountCode: 'SPRING10',
  checkoutLoadMs: 4000,
  productPageActiveMs: 12 * 60_000,
  comparedProducts: ['P-100', 'P-101', 'P-102', 'P-103', 'P-104', 'P-105', 'P-106'],
  reviewsRead: 3,
  cartAbandons: 2,
  sessions: 5,
} as const;

const SESSION_STARTS = [
  '2026-03-11T16:00:00Z',
  '2026-03-12T12:30:00Z',
  '2026-03-13T09:15:00Z',
  '2026-03-13T20:00:00Z',
  '2026-03-14T15:40:00Z',
].map((t) => Date.parse(t));

export function order12345Events(): CloudEvent[] {
  const j = new JourneyWriter('story-12345', ORDER_12345.anonymousId, SESSION_STARTS[0]);
  const [p100, p101, p102, p103, p104, p105, p106] = ORDER_12345.comparedProducts.map(product);
  const googleAds = CAMPAIGNS.find((c) => c.utm.campaign === 'spring-espresso')!.utm;
  const newsletter = CAMPAIGNS.find((c) => c.channel === 'email')!.utm;

  // Session 1 — Google Ads click: looks, compares three machines, adds one, leaves.
  j.pageView('/landing/spring-espresso', {
    utm: { ...googleAds, term: 'espresso machine' },
    query: 'utm_source=google&utm_medium=cpc&utm_campaign=spring-espresso&gclid=EAIaIQ12345',
    referrer: 'https://www.google.com/',
    loadTimeMs: 1100,
  });
  j.engage('/landing/spring-espresso', 30_000, 60);
  j.viewProduct(p100, 90_000);
  j.viewProduct(p101, 90_000);
  j.compare([p100, p101, p102]);
  j.addToCart(p100);

  // Session 2 — back from organic search the next day: reviews, two more compared, abandons again.
  j.now = SESSION_STARTS[1];
  j.pageView('/', { referrer: 'https://www.google.com/', loadTimeMs: 950 });
  j.wait(10_000);
  j.emit('search.performed', { query: 'espresso machine dual boiler', resultsCount: 9 });
  j.viewProduct(p103, 120_000);
  j.readReview(p100, 1);
  j.readReview(p100, 2);
  j.viewProduct(p104, 120_000);
  j.compare([p103, p104]);
  j.addToCart(p103);
  j.pageView('/cart', { loadTimeMs: 700 });
  j.engage('/cart', 20_000, 100);

  // Session 3 — the newsletter: the discount code is revealed on the offers page.
  j.now = SESSION_STARTS[2];
  j.pageView('/offers/spring', {
    utm: newsletter,
    query: 'utm_source=newsletter&utm_medium=email&utm_campaign=march-newsletter',
    loadTimeMs: 800,
  });
  j.wait(15_000);
  j.emit('element.clicked', {
    path: '/offers/spring',
    elementId: 'reveal-discount-code',
    label: ORDER_12345.discountCode,
  });
  j.engage('/offers/spring', 45_000, 80);

  // Session 4 — evening, typed in directly: compares two more, reads a third review.
  j.now = SESSION_STARTS[3];
  j.pageView('/', { loadTimeMs: 900 });
  j.viewProduct(p105, 150_000);
  j.compare([p105, p106]);
  j.readReview(p105, 1);

  // Session 5 — direct again: one more look, then checkout (slow page), code applied, order.
  j.now = SESSION_STARTS[4];
  j.pageView('/', { loadTimeMs: 900 });
  j.viewProduct(p100, 150_000);
  j.pageView('/cart', { loadTimeMs: 700 });
  j.removeFromCart(p103);
  j.wait(20_000);
  j.pageView('/checkout', { loadTimeMs: ORDER_12345.checkoutLoadMs });
  j.emit('checkout.started', { cartId: j.cartId, pageLoadMs: ORDER_12345.checkoutLoadMs });
  j.identify(ORDER_12345.customerId);
  for (const [field, dwellMs, corrections] of [
    ['email', 4_000, 0],
    ['address', 12_000, 1],
    ['postcode', 9_000, 2],
    ['card', 15_000, 1],
  ] as const) {
    j.wait(dwellMs);
    j.emit('checkout.field.interacted', { field, dwellMs, corrections });
  }
  j.emit('discount.applied', { cartId: j.cartId, code: ORDER_12345.discountCode });
  j.now = ORDER_12345.orderedAt;
  j.emit(
    'order.placed',
    {
      orderId: ORDER_12345.orderId,
      cartId: j.cartId,
      customerId: ORDER_12345.customerId,
      total: ORDER_12345.total,
      currency: 'EUR',
      lines: j.orderLines(),
      discountCode: ORDER_12345.discountCode,
    },
    { source: 'https://shop.example.com/backend', correlationid: ORDER_12345.orderId },
  );
  writeOrderAftermath(j, ORDER_12345.orderId, Math.round(Number(ORDER_12345.total) * 100), {});
  return j.events;
}
