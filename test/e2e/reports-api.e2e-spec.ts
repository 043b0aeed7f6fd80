import { craftedOrder } from '../support/order-12345-records';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

const CONTEXTS_ONLY = 'contexts-only-key';

describe('GET /v1/reports/checkout-performance (roll-up)', () => {
  let app: QueryApi;

  beforeAll(async () => {
    app = await startQueryApi(
      [
        craftedOrder('a', '2026-03-02T10:00:00.000Z', '80.00', 6500, 2, 'EUR'),
        craftedOrder('b', '2026-03-03T10:00:00.000Z', '200.00', 900, 1, 'EUR'),
      ],
      { key: CONTEXTS_ONLY, scopes: ['contexts:read'] },
    );
  });
  afterAll(() => app?.close());

  async function get(query: string, key: string | null = DEMO_API_KEY) {
    const response = await fetch(`${app.url}/v1/reports/checkout-performance?${query}`, {
      headers: key ? { 'x-api-key': key } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers the cost of slow checkouts in the period', async () => {
    const { status, body } = await get('from=2026-03-01&to=2026-03-31');
    expect(status).toBe(200);
    // One slow order of 80.00 against one fast of 200.00 over 30 days: (200 − 80) × 1.
    expect(body).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
      slowMs: 5000,
      fastMs: 2000,
      baselineMs: 90_000,
      currencies: [
        {
          currency: 'EUR',
          orders: 2,
          slow: { orders: 1, revenue: '80', averageOrderValue: '80' },
          fast: { orders: 1, revenue: '200', averageOrderValue: '200' },
          slowHesitationRatio: 2,
          // 180 s and 90 s to order: the upper middle.
          medianCheckoutToOrderMs: 180_000,
          estimatedMonthlyGain: '120',
        },
      ],
    });
    const stricter = await get('from=2026-03-01&to=2026-03-31&slowMs=7000&fastMs=1000');
    expect((stricter.body.currencies as { slow: { orders: number } }[])[0].slow.orders).toBe(0);
  });

  it('needs the reports:read scope', async () => {
    expect((await get('from=2026-03-01&to=2026-03-31', null)).status).toBe(401);
    expect((await get('from=2026-03-01&to=2026-03-31', CONTEXTS_ONLY)).status).toBe(403);
  });

  it.each([
    ['no period', ''],
    ['a missing end', 'from=2026-03-01'],
    ['a malformed date', 'from=2026-3-1&to=2026-03-31'],
    ['an impossible date', 'from=2026-02-30&to=2026-03-31'],
    ['an empty period', 'from=2026-03-01&to=2026-03-01'],
    ['a period over a year', 'from=2025-01-01&to=2026-03-01'],
    ['a threshold that is not a number', 'from=2026-03-01&to=2026-03-31&slowMs=abc'],
    ['fast above slow', 'from=2026-03-01&to=2026-03-31&slowMs=1000&fastMs=2000'],
    ['an unknown parameter', 'from=2026-03-01&to=2026-03-31&model=linear'],
    ['an injection attempt', `from=${encodeURIComponent("2026-03-01' OR 1=1 --")}&to=2026-03-31`],
  ])('answers %s with a 400 naming the problem', async (_, query) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(JSON.stringify(body.message)).toMatch(/from|to|slowMs|fastMs|period|model|property/);
  });
});
