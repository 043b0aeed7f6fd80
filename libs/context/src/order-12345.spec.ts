import { Channel } from '@ctxb/events';
import { ORDER_12345 } from '@ctxb/simulation';
import { AttributionModel } from './attribution';
import { order12345Records } from '../../../test/support/order-12345-records';

describe('the order-12345 story', () => {
  const records = order12345Records();
  const first = records[0];
  const last = records[records.length - 1];

  it('yields a first version at the order with exactly the story facts', () => {
    expect(first.version).toBe(1);
    expect(first.order).toEqual({
      orderId: '12345',
      customerId: ORDER_12345.customerId,
      total: ORDER_12345.total,
      currency: 'EUR',
      placedAt: new Date(ORDER_12345.orderedAt).toISOString(),
      discountCode: ORDER_12345.discountCode,
    });
    expect(first.sessions.count).toBe(5);
    expect(first.journey.daysToConvert).toBe(3);
    expect(first.journey.firstTouch).toMatchObject({
      channel: Channel.PaidSearch,
      source: 'google',
      medium: 'cpc',
      campaign: 'spring-espresso',
      at: new Date(ORDER_12345.firstTouchAt).toISOString(),
    });
    expect(first.signals.cartAbandons).toBe(ORDER_12345.cartAbandons);
    expect(first.signals.productsCompared).toBe(ORDER_12345.comparedProducts.length);
    expect(first.signals.reviewsRead).toBe(ORDER_12345.reviewsRead);
    expect(first.signals.productPageActiveMs).toBe(12 * 60_000);
    expect(first.signals.checkoutPageLoadMs).toBe(4000);
    expect(first.signals.discount).toEqual({
      code: 'SPRING10',
      foundInSession: 3,
      appliedInSession: 5,
    });
    expect(first.state.state).toBe('placed');
  });

  it('lists the five touchpoints and credits them under every model', () => {
    expect(first.journey.touchpoints.map((t) => t.channel)).toEqual([
      Channel.PaidSearch,
      Channel.OrganicSearch,
      Channel.Email,
      Channel.Direct,
      Channel.Direct,
    ]);
    expect(first.attribution[AttributionModel.FirstTouch]).toEqual([
      { channel: Channel.PaidSearch, campaign: 'spring-espresso', weight: 1 },
    ]);
    expect(first.attribution[AttributionModel.LastTouch]).toEqual([
      { channel: Channel.Direct, campaign: null, weight: 1 },
    ]);
    const positionBased = first.attribution[AttributionModel.PositionBased];
    expect(positionBased.map((w) => [w.channel, w.campaign])).toEqual([
      [Channel.Direct, null],
      [Channel.PaidSearch, 'spring-espresso'],
      [Channel.Email, 'march-newsletter'],
      [Channel.OrganicSearch, null],
    ]);
    expect(positionBased[0].weight).toBeCloseTo(0.4 + 0.2 / 3, 9);
    expect(positionBased[1].weight).toBeCloseTo(0.4, 9);
    expect(positionBased[2].weight).toBeCloseTo(0.2 / 3, 9);
  });

  it('versions the context as payment, invoice, journal and fulfillment arrive', () => {
    expect(records.map((r) => r.version)).toEqual(records.map((_, i) => i + 1));
    expect(new Set(records.map((r) => r.contextReferenceId)).size).toBe(1);
    expect(last.state.history.map((h) => h.state)).toEqual([
      'placed',
      'paid',
      'shipped',
      'delivered',
    ]);
    expect(last.correlations).toMatchObject({
      cartId: 'cart-story-12345',
      invoices: ['INV-12345'],
      journals: ['JE-12345'],
      shipments: ['JD12345'],
    });
    expect(last.correlations.payments).toEqual([
      expect.objectContaining({ paymentId: 'pay-12345-1', status: 'succeeded' }),
    ]);
    expect(last.quality).toEqual({ score: 1, missing: [] });
  });
});
