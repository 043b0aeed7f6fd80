import { checkoutPerformance, ContextRecordStore } from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { craftedOrder as order } from '../support/order-12345-records';

describe('checkout-performance roll-up on ClickHouse', () => {
  const database = new ClickHouseTestDatabase('it_checkout');
  const { client } = database;

  beforeAll(async () => {
    await database.create();
    const store = new ContextRecordStore(client);
    await store.ensureSchema();
    const march = (day: number) => `2026-03-${String(day).padStart(2, '0')}T12:00:00.000Z`;
    await store.write([
      // slow (> 5 s): 100.00 and 50.00; a superseded version of s1 says 999.00 and 1 s.
      order('s1', march(2), '999.00', 1000, 9, 'EUR', 1),
      order('s2', march(3), '50.00', 5001, 2, 'EUR', 1),
      order('f1', march(4), '150.00', 1500, 1, 'EUR', 1),
      order('f2', march(5), '90.00', 1999, null, 'EUR', 1),
      order('m1', march(6), '70.00', 3000, 1, 'EUR', 1),
      order('x1', march(7), '20.00', null, null, 'EUR', 1),
      order('u1', march(8), '10.00', 6000, 1.5, 'USD', 1),
      // Neither slow nor fast, and no checkout-to-order time: counted, no median.
      order('g1', march(9), '30.00', 2500, null, 'GBP', 1),
      order('late', '2026-04-01T00:00:00.000Z', '500.00', 8000, 1, 'EUR', 1),
    ]);
    await store.write([order('s1', march(2), '100.00', 7000, 3, 'EUR', 2)]);
    // A replay writes the same rows again.
    await store.write([order('s2', march(3), '50.00', 5001, 2, 'EUR', 1)]);
  });
  afterAll(() => database.drop());

  it('counts the newest version of each order once, per currency, in the period', async () => {
    const result = await checkoutPerformance(client, {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-31T00:00:00Z'),
      slowMs: 5000,
      fastMs: 2000,
    });
    // Worked out by hand from the orders above: EUR slow = s1 (v2: 100.00) + s2 (50.00),
    // fast = f1 (150.00) + f2 (90.00); m1 is neither; x1 has no measured checkout.
    expect(result).toEqual([
      {
        currency: 'EUR',
        orders: 5,
        slow: { orders: 2, revenue: '150', averageOrderValue: '75' },
        fast: { orders: 2, revenue: '240', averageOrderValue: '120' },
        slowHesitationRatio: 2.5,
        // 90, 90, 180 and 270 s (f2 has none): the upper middle of an even count.
        medianCheckoutToOrderMs: 180_000,
        // (120 − 75) × 2 slow orders × 30/30 days
        estimatedMonthlyGain: '90',
      },
      {
        currency: 'GBP',
        orders: 1,
        slow: { orders: 0, revenue: '0', averageOrderValue: null },
        fast: { orders: 0, revenue: '0', averageOrderValue: null },
        slowHesitationRatio: null,
        medianCheckoutToOrderMs: null,
        estimatedMonthlyGain: '0',
      },
      {
        currency: 'USD',
        orders: 1,
        slow: { orders: 1, revenue: '10', averageOrderValue: '10' },
        fast: { orders: 0, revenue: '0', averageOrderValue: null },
        slowHesitationRatio: 1.5,
        medianCheckoutToOrderMs: 135_000,
        estimatedMonthlyGain: '0',
      },
    ]);
  });

  it('scales the monthly gain to the period and answers an empty period with nothing', async () => {
    const [eur] = await checkoutPerformance(client, {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-16T00:00:00Z'),
      slowMs: 5000,
      fastMs: 2000,
    });
    expect(eur.estimatedMonthlyGain).toBe('180'); // 45 × 2 × 30/15
    expect(
      await checkoutPerformance(client, {
        from: new Date('2025-01-01T00:00:00Z'),
        to: new Date('2025-02-01T00:00:00Z'),
        slowMs: 5000,
        fastMs: 2000,
      }),
    ).toEqual([]);
  });
});
