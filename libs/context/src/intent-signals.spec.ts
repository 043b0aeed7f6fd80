import fc from 'fast-check';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { contextOptions } from './context-options';
import {
  INTENT_SIGNALS,
  intentSignals,
  signalCloseRates,
  type IntentSignal,
} from './intent-signals';
import { journeyUntilOrder } from './journey-paths';

const options = contextOptions({ ownHosts: ['shop.example.com'] });
const signalsOf = (events: CloudEvent[]) =>
  intentSignals(journeyUntilOrder(events, options)?.sessions ?? []);

describe('intentSignals', () => {
  it('reads the story: a returning shopper who searched, compared, read reviews and abandoned carts, then checked out', () => {
    const events = order12345Events().filter((e) => e.anonymousid === ORDER_12345.anonymousId);
    expect(signalsOf(events)).toEqual([
      'returning-visitor',
      'searched',
      'browsed-3-products',
      'engaged-2-min-on-products',
      'read-reviews',
      'compared-products',
      'added-to-cart',
      'abandoned-cart',
      'applied-discount',
      'started-checkout',
    ]);
  });

  it('sees only what came before the first order, in any order of arrival', () => {
    let t = Date.parse('2026-06-01T10:00:00Z');
    const at = () => new Date((t += 60_000)).toISOString();
    const device = { anonymousid: 'anon-intent' };
    const events = [
      exampleEvent('page.viewed', { ...device, id: 'v1', time: at() }),
      exampleEvent('search.performed', { ...device, id: 's1', time: at() }),
      exampleEvent('checkout.started', {
        ...device,
        id: 'c1',
        time: at(),
        data: { cartId: 'cart-1', pageLoadMs: 6_500 },
      }),
      exampleEvent('order.placed', { ...device, id: 'o1', time: at() }),
      // After the order: not part of the journey that led to it.
      exampleEvent('checkout.error', { ...device, id: 'e1', time: at() }),
    ];
    const expected = ['searched', 'started-checkout', 'slow-checkout-page'];
    expect(signalsOf(events)).toEqual(expected);
    expect(signalsOf([...events].reverse())).toEqual(expected);
  });
});

describe('signalCloseRates', () => {
  it('compares the close rate of journeys with each signal, without it, and overall (worked by hand)', () => {
    const report = signalCloseRates([
      { signals: ['searched'], converted: true },
      { signals: ['searched'], converted: false },
      { signals: [], converted: true },
      { signals: ['added-to-cart'], converted: false },
    ]);
    expect(report).toMatchObject({ journeys: 4, converting: 2, closeRate: 0.5 });
    // searched: 1 of 2 (lift 1; without it 1 of 2); added-to-cart: 0 of 1 (without it 2 of 3).
    expect(report.signals.slice(0, 2)).toEqual([
      expect.objectContaining({
        signal: 'searched',
        journeys: 2,
        converting: 1,
        closeRate: 0.5,
        closeRateWithout: 0.5,
        lift: 1,
      }),
      expect.objectContaining({
        signal: 'added-to-cart',
        journeys: 1,
        converting: 0,
        closeRate: 0,
        closeRateWithout: 0.666666667,
        lift: 0,
      }),
    ]);
    // Signals nobody showed: no rate, no lift, listed after, in catalogue order.
    const unseen = report.signals.slice(2);
    expect(unseen.map((s) => s.signal)).toEqual(
      INTENT_SIGNALS.map((s) => s.signal).filter((s) => s !== 'searched' && s !== 'added-to-cart'),
    );
    for (const s of unseen) expect(s).toMatchObject({ journeys: 0, closeRate: null, lift: null });
  });

  it('is the same whatever the order of the journeys, and a count stands for repeats', () => {
    const signal = fc.constantFrom(...INTENT_SIGNALS.map((s) => s.signal));
    const journey = fc.record({
      signals: fc.uniqueArray(signal, { maxLength: 5 }),
      converted: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(journey, { maxLength: 30 }),
        fc.integer({ min: 2, max: 5 }),
        (list, n) => {
          const report = signalCloseRates(list);
          expect(signalCloseRates([...list].reverse())).toEqual(report);
          const counted = signalCloseRates(list.map((j) => ({ ...j, count: n })));
          const repeated = signalCloseRates(list.flatMap((j) => Array<typeof j>(n).fill(j)));
          expect(counted).toEqual(repeated);
          for (const s of report.signals) {
            expect(s.converting).toBeLessThanOrEqual(s.journeys);
            expect(s.journeys).toBeLessThanOrEqual(report.journeys);
          }
        },
      ),
    );
  });

  it('gives every signal of the catalogue exactly once', () => {
    const names: IntentSignal[] = signalCloseRates([]).signals.map((s) => s.signal);
    expect(new Set(names).size).toBe(INTENT_SIGNALS.length);
  });
});
