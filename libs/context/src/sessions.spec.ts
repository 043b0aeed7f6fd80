import fc from 'fast-check';
import { exampleEvent } from '@ctxb/events';
import { contextOptions } from './context-options';
import { contextReferenceId } from './context-reference';
import { CorrelationIndex, correlateOrder } from './correlations';
import { toFact, type Fact } from './facts';
import { aggregateSessions } from './sessions';

const options = contextOptions();
const T0 = Date.parse('2026-05-01T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

function fact(
  type: string,
  minute: number,
  data: Record<string, unknown> = {},
  id = `${type}-${minute}`,
): Fact {
  const base = exampleEvent(type);
  return toFact({ ...base, id, time: at(minute), data: { ...base.data, ...data } }, options)!;
}

const view = (minute: number, query = '') =>
  fact('page.viewed', minute, {
    url: `https://shop.example.com/${query}`,
    path: '/',
    utm: undefined,
    referrer: undefined,
  });

describe('session aggregator', () => {
  it('starts a new session after 30 minutes of inactivity, not before', () => {
    const sessions = aggregateSessions([view(0), view(29), view(58), view(89)], 30 * 60_000);
    expect(sessions.map((s) => s.pageViews)).toEqual([3, 1]);
    expect(sessions[0].endedAt - sessions[0].startedAt).toBe(58 * 60_000);
  });

  it('starts a new session when a visit comes from another campaign, not on internal pages', () => {
    const sessions = aggregateSessions(
      [
        view(0, '?utm_source=google&utm_medium=cpc&utm_campaign=a'),
        view(1),
        view(2, '?utm_source=google&utm_medium=cpc&utm_campaign=a'),
        view(3, '?utm_source=newsletter&utm_medium=email&utm_campaign=b'),
      ],
      30 * 60_000,
    );
    expect(sessions.map((s) => [s.touch.campaign, s.pageViews])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
  });

  it('counts pages, product interactions, cart modifications and active time per session', () => {
    const [session] = aggregateSessions(
      [
        view(0),
        fact('product.viewed', 1),
        fact('review.read', 2),
        fact('cart.item.added', 3),
        fact('cart.item.removed', 4),
        fact('page.engaged', 5, { activeMs: 40_000 }),
      ],
      30 * 60_000,
    );
    expect(session).toMatchObject({
      pageViews: 1,
      productInteractions: 2,
      cartModifications: 2,
      activeMs: 40_000,
    });
  });

  it('does not depend on the order facts arrive in', () => {
    const facts = [
      view(0),
      view(10),
      view(50),
      view(51, '?utm_source=x&utm_medium=cpc&utm_campaign=c'),
      view(200),
    ];
    const expected = aggregateSessions(facts, 30 * 60_000);
    fc.assert(
      fc.property(fc.shuffledSubarray(facts, { minLength: facts.length }), (shuffled) => {
        expect(aggregateSessions(shuffled, 30 * 60_000)).toEqual(expected);
      }),
    );
  });
});

describe('contextReferenceId', () => {
  it('is ctx_ and 26 base32 characters, the same for the same order', () => {
    expect(contextReferenceId('12345')).toMatch(/^ctx_[a-z2-7]{26}$/);
    expect(contextReferenceId('12345')).toBe(contextReferenceId('12345'));
    expect(contextReferenceId('12345')).not.toBe(contextReferenceId('12346'));
  });
});

describe('event correlator', () => {
  it('links cart, payments, invoice, journal and shipment to the order, and each back to it', () => {
    const index = new CorrelationIndex();
    const facts = [
      fact('order.placed', 0, { orderId: 'O-1', cartId: 'cart-9' }),
      fact('payment.succeeded', 1, { orderId: 'O-1', paymentId: 'pay-1' }),
      fact('invoice.issued', 2, { orderId: 'O-1', invoiceNo: 'INV-1' }),
      fact('journal.posted', 3, {
        journalId: 'JE-1',
        lines: [
          { account: '1200', debit: '10.00', credit: '0.00', orderId: 'O-1' },
          { account: '4000', debit: '0.00', credit: '10.00', orderId: 'O-2' },
        ],
      }),
      fact('fulfillment.shipped', 4, { orderId: 'O-1', trackingNo: 'T-1' }),
    ];
    facts.forEach((f) => index.add(f));
    expect(index.idsOf('O-1')).toEqual([
      'cart:cart-9',
      'invoice:INV-1',
      'journal:JE-1',
      'payment:pay-1',
      'shipment:T-1',
    ]);
    expect(index.ordersOf('journal', 'JE-1')).toEqual(['O-1', 'O-2']);
    expect(index.ordersOf('invoice', 'INV-1')).toEqual(['O-1']);
    expect(correlateOrder(facts[0], facts)).toMatchObject({
      cartId: 'cart-9',
      invoices: ['INV-1'],
      journals: ['JE-1'],
      shipments: ['T-1'],
      payments: [{ paymentId: 'pay-1', status: 'succeeded' }],
    });
    index.forget('O-1');
    expect(index.ordersOf('journal', 'JE-1')).toEqual(['O-2']);
  });
});
