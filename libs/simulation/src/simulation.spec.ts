import { createHash } from 'node:crypto';
import { validateEvent, type CloudEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from './order-12345.scenario';
import { generateTraffic, type TrafficOptions } from './traffic-generator';

const options: TrafficOptions = {
  seed: 7,
  journeys: 400,
  start: '2026-03-01',
  days: 30,
  includeStory: true,
};
const all = (o: TrafficOptions) => [...generateTraffic(o)].flat();
const ndjson = (events: CloudEvent[]) => events.map((e) => JSON.stringify(e)).join('\n');

describe('generateTraffic', () => {
  const events = all(options);

  it('produces only events the catalogue accepts', () => {
    const invalid = events.map((e) => ({ e, r: validateEvent(e) })).filter(({ r }) => !r.ok);
    expect(invalid.map(({ e, r }) => ({ type: e.type, problems: !r.ok && r.problems }))).toEqual(
      [],
    );
  });

  it('covers every topic of the catalogue', () => {
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'page.viewed',
      'product.compared',
      'review.read',
      'cart.item.removed',
      'checkout.error',
      'discount.applied',
      'order.cancelled',
      'fulfillment.returned',
      'payment.failed',
      'payment.refunded',
      'invoice.issued',
      'journal.posted',
      'marketing.spend.recorded',
      'product.updated',
      'inventory.adjusted',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('gives byte-identical output for the same seed, and different output for another', () => {
    const digest = (o: TrafficOptions) =>
      createHash('sha256')
        .update(ndjson(all(o)))
        .digest('hex');
    expect(digest(options)).toBe(digest({ ...options }));
    expect(digest({ ...options, seed: 8 })).not.toBe(digest(options));
  });

  it('arrives in event-time order, as live traffic does, with the story in its place', () => {
    const times = events.map((e) => Date.parse(e.time));
    const outOfOrder = times.filter((t, i) => i > 0 && t < times[i - 1]);
    expect(outOfOrder).toEqual([]);
    expect(events.filter((e) => e.id.startsWith('story-12345')).length).toBe(
      order12345Events().length,
    );
    // Journeys overlap: a shopper's events are interleaved with other shoppers'.
    const firstJourney = events.findIndex((e) => e.id.startsWith('j0-'));
    const lastOfFirst = events.map((e) => e.id.startsWith('j0-')).lastIndexOf(true);
    expect(events.slice(firstJourney, lastOfFirst).some((e) => e.id.startsWith('j1-'))).toBe(true);
  });

  it('starts every id of its shoppers, orders and documents with the id prefix, if given', () => {
    const prefixed = all({ ...options, idPrefix: 'run7-', includeStory: false });
    const plain = all({ ...options, includeStory: false });
    const ids = (e: CloudEvent) => {
      const data = e.data;
      return [e.id, e.anonymousid, e.customerid, e.correlationid, data.orderId, data.cartId]
        .concat(['invoiceNo', 'journalId', 'paymentId', 'customerId'].map((k) => data[k]))
        .filter((v): v is string => typeof v === 'string' && v !== 'system');
    };
    expect(prefixed.length).toBe(plain.length);
    for (const event of prefixed)
      for (const id of ids(event)) expect(id).toMatch(/^([A-Za-z]+-)?run7-/);
    // Nothing else changes: drop the prefix and the events are the same.
    expect(ndjson(prefixed).replace(/run7-/g, '')).toBe(ndjson(plain));
  });

  it('has unique event ids per source', () => {
    const keys = events.map((e) => `${e.source}|${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('makes slow checkout pages convert less, with smaller baskets', () => {
    const big = all({ ...options, journeys: 3000, includeStory: false });
    const byCart = new Map<string, { loadMs: number; total?: number }>();
    for (const e of big) {
      if (e.type === 'checkout.started')
        byCart.set(e.data.cartId as string, { loadMs: e.data.pageLoadMs as number });
      if (e.type === 'order.placed')
        byCart.get(e.data.cartId as string)!.total = Number(e.data.total);
    }
    const group = (slow: boolean) =>
      [...byCart.values()].filter((c) => (slow ? c.loadMs >= 5000 : c.loadMs < 2000));
    const rate = (g: { total?: number }[]) =>
      g.filter((c) => c.total !== undefined).length / g.length;
    const basket = (g: { total?: number }[]) => {
      const orders = g.filter((c) => c.total !== undefined);
      return orders.reduce((s, c) => s + c.total!, 0) / orders.length;
    };
    expect(rate(group(true))).toBeLessThan(rate(group(false)) * 0.6);
    expect(basket(group(true))).toBeLessThan(basket(group(false)));
  });
});

describe('the order-12345 story', () => {
  const events = order12345Events();
  const web = events.filter((e) => e.anonymousid === ORDER_12345.anonymousId);
  const times = web.map((e) => Date.parse(e.time));
  // Sessions as an analytics tool cuts them: 30 minutes of inactivity.
  const sessionOf: number[] = [];
  times.forEach((t, i) =>
    sessionOf.push(
      i === 0 ? 0 : t - times[i - 1] > 30 * 60_000 ? sessionOf[i - 1] + 1 : sessionOf[i - 1],
    ),
  );

  it('is in time order and valid', () => {
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(events.every((e) => validateEvent(e).ok)).toBe(true);
  });

  it('has 5 sessions over 3 days, the first a Google Ads click 3 days before the order', () => {
    expect(Math.max(...sessionOf) + 1).toBe(5);
    const first = web[0];
    expect(first.type).toBe('page.viewed');
    expect(first.data.utm).toEqual(
      expect.objectContaining({ source: 'google', medium: 'cpc', campaign: 'spring-espresso' }),
    );
    const order = events.find((e) => e.type === 'order.placed')!;
    expect(Date.parse(order.time) - Date.parse(first.time)).toBeGreaterThanOrEqual(3 * 86_400_000);
    expect(Date.parse(order.time) - Date.parse(first.time)).toBeLessThan(4 * 86_400_000);
    expect(order.data).toEqual(
      expect.objectContaining({
        orderId: '12345',
        total: '249.90',
        currency: 'EUR',
        discountCode: 'SPRING10',
        customerId: 'C-1001',
      }),
    );
  });

  it('abandons the cart twice, compares 7 products, reads 3 reviews, spends 12 minutes on product pages', () => {
    const orderSession = sessionOf[web.findIndex((e) => e.type === 'order.placed')];
    const cartSessions = new Set(
      web.filter((e) => e.type === 'cart.item.added').map((e) => sessionOf[web.indexOf(e)]),
    );
    expect([...cartSessions].filter((s) => s !== orderSession)).toHaveLength(2);
    expect(
      new Set(
        web
          .filter((e) => e.type === 'product.compared')
          .flatMap((e) => e.data.productIds as string[]),
      ).size,
    ).toBe(7);
    expect(web.filter((e) => e.type === 'review.read')).toHaveLength(3);
    const productMs = web
      .filter((e) => e.type === 'page.engaged' && (e.data.path as string).startsWith('/products/'))
      .reduce((sum, e) => sum + (e.data.activeMs as number), 0);
    expect(productMs).toBe(12 * 60_000);
  });

  it('loads the checkout in 4 s and finds the discount code in session 3', () => {
    expect(web.find((e) => e.type === 'checkout.started')!.data.pageLoadMs).toBe(4000);
    const reveal = web.find((e) => e.type === 'element.clicked' && e.data.label === 'SPRING10')!;
    expect(sessionOf[web.indexOf(reveal)]).toBe(2);
  });
});
