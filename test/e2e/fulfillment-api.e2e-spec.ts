import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { order12345Records } from '../support/order-12345-records';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

interface Tier {
  currency: string;
  tier: string;
  orderValue: { from: string; to: string };
  orders: number;
  states: { state: string; orders: number; averageMs: number | null }[];
  fulfillment: { orders: number; averageMs: number | null; medianMs: number | null };
}

describe('GET /v1/reports/fulfillment (order states by order value)', () => {
  let app: QueryApi;

  beforeAll(async () => {
    app = await startQueryApi(order12345Records(), { key: 'unused', scopes: [] });
  });
  afterAll(() => app?.close());

  async function get(query: string) {
    const response = await fetch(`${app.url}/v1/reports/fulfillment?${query}`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    return { status: response.status, body: (await response.json()) as { tiers: Tier[] } };
  }

  it('times the story order from placed to delivered, and in each state (from its events)', async () => {
    const events = order12345Events();
    // The store keeps state entry times in whole seconds.
    const at = (type: string) =>
      Math.floor(Date.parse(events.find((e) => e.type === type)!.time) / 1000) * 1000;
    const { status, body } = await get('from=2026-03-01&to=2026-04-01');
    expect(status).toBe(200);
    expect(body.tiers).toHaveLength(1);
    const [tier] = body.tiers;
    expect(tier).toMatchObject({
      currency: 'EUR',
      orders: 1,
      orderValue: { from: ORDER_12345.total, to: ORDER_12345.total },
    });
    const toDelivery = at('fulfillment.delivered') - at('order.placed');
    expect(tier.fulfillment).toEqual({ orders: 1, averageMs: toDelivery, medianMs: toDelivery });
    const shipped = tier.states.find((s) => s.state === 'shipped')!;
    expect(shipped).toMatchObject({
      orders: 1,
      averageMs: at('fulfillment.delivered') - at('fulfillment.shipped'),
    });
    // The order is still delivered: that state has no time spent yet.
    expect(tier.states.find((s) => s.state === 'delivered')).toBeUndefined();
  });

  it('answers an empty period with no tiers and a bad one with a 400', async () => {
    expect((await get('from=2026-05-01&to=2026-06-01')).body.tiers).toEqual([]);
    expect((await get('from=2026-05-01')).status).toBe(400);
    expect((await get('from=2026-05-01&to=2026-06-01&tier=high')).status).toBe(400);
  });
});
