import { ORDER_12345 } from '@ctxb/simulation';
import { order12345Records } from '../support/order-12345-records';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

const CONTEXTS_ONLY = 'contexts-only-key';

describe('GET /v1/reports/revenue-attribution (cross-module roll-up)', () => {
  let app: QueryApi;

  beforeAll(async () => {
    app = await startQueryApi(order12345Records(), {
      key: CONTEXTS_ONLY,
      scopes: ['contexts:read'],
    });
  });
  afterAll(() => app?.close());

  async function get(query: string, key: string | null = DEMO_API_KEY) {
    const response = await fetch(`${app.url}/v1/reports/revenue-attribution?${query}`, {
      headers: key ? { 'x-api-key': key } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  // From the story's definition: 249.90 paid and invoiced; GL revenue is the net of 19 % VAT.
  const gross = ORDER_12345.total;
  const revenue = (Math.round((Math.round(Number(gross) * 100) * 100) / 119) / 100).toFixed(2);
  const module = (amount: string) => ({ gross: amount, net: amount });
  const storyAmounts = {
    ordered: module(gross),
    invoiced: module(gross),
    postedRevenue: module(revenue),
    crm: null,
    differences: {
      invoicedMinusOrdered: module('0.00'),
      postedMinusInvoiced: module((Number(revenue) - Number(gross)).toFixed(2)),
    },
  };

  it('credits the story order to its first touch, with every module side by side', async () => {
    const { status, body } = await get(
      'from=2026-03-01&to=2026-04-01&model=first-touch&by=campaign',
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      from: '2026-03-01',
      to: '2026-04-01',
      model: 'first-touch',
      by: 'campaign',
      rows: [{ currency: 'EUR', key: 'spring-espresso', orders: 1, ...storyAmounts }],
      totals: [{ currency: 'EUR', orders: 1, ...storyAmounts }],
      page: { limit: 100, offset: 0, hasMore: false },
    });
  });

  it('splits the order over its channels under linear attribution, adding up to the totals', async () => {
    const { body } = await get('from=2026-03-01&to=2026-04-01');
    const rows = body.rows as { key: string; orders: number; ordered: { gross: string } }[];
    expect(body.model).toBe('linear');
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.reduce((n, r) => n + r.orders, 0)).toBeCloseTo(1, 2);
    const cents = rows.reduce((n, r) => n + Math.round(Number(r.ordered.gross) * 100), 0);
    expect(Math.abs(cents - Math.round(Number(gross) * 100))).toBeLessThanOrEqual(rows.length);
  });

  it('answers an empty period with no rows', async () => {
    const { body } = await get('from=2026-05-01&to=2026-06-01');
    expect(body).toMatchObject({ rows: [], totals: [], page: { hasMore: false } });
  });

  it('needs the reports:read scope', async () => {
    expect((await get('from=2026-03-01&to=2026-03-31', null)).status).toBe(401);
    expect((await get('from=2026-03-01&to=2026-03-31', CONTEXTS_ONLY)).status).toBe(403);
  });

  it.each([
    ['an unknown model', 'model=last-click'],
    ['an injected model', `model=${encodeURIComponent("linear' OR 1=1 --")}`],
    ['an unknown grouping', 'by=product'],
    ['an injected grouping', `by=${encodeURIComponent('channel; DROP TABLE context_amounts')}`],
    ['a page size of 0', 'limit=0'],
    ['a page size over 1000', 'limit=1001'],
    ['a negative offset', 'offset=-1'],
    ['an offset that is not a number', 'offset=ten'],
    ['an unknown parameter', 'currency=EUR'],
  ])('answers %s with a 400 naming the problem', async (_, extra) => {
    const { status, body } = await get(`from=2026-03-01&to=2026-03-31&${extra}`);
    expect(status).toBe(400);
    expect(JSON.stringify(body.message)).toMatch(/model|by|limit|offset|property/);
  });
});
