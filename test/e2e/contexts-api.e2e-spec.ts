import type { ContextRecord } from '@ctxb/context';
import { ORDER_12345 } from '@ctxb/simulation';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { DeliveryLogStore, ErpAmountStore } from '@ctxb/store';
import { craftedOrder, order12345Records, storyDelivery } from '../support/order-12345-records';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

const REPORTS_ONLY = 'reports-only-key';
const SALESFORCE_ID = '0065g00000AbCdEAAV';
/** A CRM record four contexts were linked to (an account with several orders). */
const ACCOUNT_ID = '0015g00000AcCoUNT';
const NO_PAGE = { limit: 20, offset: 0, hasMore: false };

describe('GET /v1/contexts… (drill-down from ERP and CRM documents)', () => {
  const records = order12345Records();
  const newest = records[records.length - 1];
  const reference = newest.contextReferenceId;
  const others = ['A-1', 'A-2', 'A-3'].map((id) =>
    craftedOrder(id, '2026-03-20T10:00:00.000Z', '10.00', 1000, 1),
  );
  const link = (contextReferenceId: string, id: string) => ({
    kind: 'crm' as const,
    id,
    contextReferenceId,
    system: 'salesforce',
    linkedAt: new Date('2026-03-14T16:06:00Z'),
  });
  /** Two tries into the sample ERP's order header: a lost connection, then the write. */
  const deliveries: DeliveryAttempt[] = [
    storyDelivery({
      at: new Date('2026-03-14T16:06:01.251Z'),
      status: 'retrying',
      recordIds: [],
      failureKind: 'connection-lost',
      error: 'connecting: [08001] could not connect to server',
      durationMs: 41,
    }),
    storyDelivery({ at: new Date('2026-03-14T16:06:02.252Z'), attempt: 2, durationMs: 42 }),
  ];
  /**
   * What the worker read back from the sample ERP: the order's total twice (the later reading
   * counts), an invoice of one more than the context knows, the journal's revenue.
   */
  const readings: DeliveryAttempt[] = [
    ['om', '12345', '240', 1],
    ['om', '12345', newest.amounts.ordered!, 2],
    ['ar', 'INV-12345', '250.9', 2],
    ['gl', 'JE-12345', '210', 2],
  ].map(([target, document, amount, second]) => ({
    ...deliveries[1],
    at: new Date(`2026-03-14T16:07:0${second}Z`),
    target: target as string,
    amounts: [{ document: document as string, currency: 'EUR', amount: amount as string, rows: 1 }],
  }));
  let app: QueryApi;

  beforeAll(async () => {
    app = await startQueryApi(
      [...records, ...others],
      { key: REPORTS_ONLY, scopes: ['reports:read'] },
      async (store, client) => {
        await store.linkDocuments([
          link(reference, SALESFORCE_ID),
          ...[newest, ...others].map((r) => link(r.contextReferenceId, ACCOUNT_ID)),
        ]);
        await new DeliveryLogStore(client).write(deliveries);
        await new ErpAmountStore(client).write(readings);
      },
    );
  });
  afterAll(() => app?.close());

  interface Answer {
    contextReferenceId: string;
    version: number;
    context: ContextRecord;
  }
  interface Body extends Partial<Answer> {
    items?: Answer[];
    page?: { limit: number; offset: number; hasMore: boolean };
    message?: string;
  }

  async function get(path: string, key: string | null = DEMO_API_KEY) {
    const response = await fetch(`${app.url}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  it('answers by reference with the newest version: the whole journey', async () => {
    const { status, body } = await get(`/v1/contexts/${reference}`);
    expect(status).toBe(200);
    expect(body.contextReferenceId).toBe(reference);
    expect(body.version).toBe(records.length);
    // Expected values from the story's own definition, not from the engine.
    expect(body.context!.order.orderId).toBe(ORDER_12345.orderId);
    expect(body.context!.order.total).toBe(ORDER_12345.total);
    expect(body.context!.sessions.count).toBe(ORDER_12345.sessions);
    expect(body.context!.signals.cartAbandons).toBe(ORDER_12345.cartAbandons);
    expect(body.context!.journey.firstTouch?.campaign).toBe('spring-espresso');
    expect(body.context!.attribution).toHaveProperty('linear');
    expect(body.context!.correlations.invoices).toEqual(['INV-12345']);
  });

  it('answers by order id and by a correlated ERP document', async () => {
    const byOrder = await get('/v1/contexts/by-order/12345');
    expect(byOrder.status).toBe(200);
    expect(byOrder.body.contextReferenceId).toBe(reference);
    const byInvoice = await get('/v1/contexts/by-document/invoice/INV-12345');
    expect(byInvoice.status).toBe(200);
    expect(byInvoice.body.items?.map((i) => i.contextReferenceId)).toEqual([reference]);
    expect((await get('/v1/contexts/by-document/invoice/INV-99999')).body).toEqual({
      items: [],
      page: NO_PAGE,
    });
  });

  it('answers by the CRM record the reference was written into', async () => {
    const byCrm = await get(`/v1/contexts/by-document/crm/${SALESFORCE_ID}`);
    expect(byCrm.status).toBe(200);
    expect(byCrm.body.items?.map((i) => [i.contextReferenceId, i.version])).toEqual([
      [reference, records.length],
    ]);
    expect((await get('/v1/contexts/by-document/crm/0065g00000ZZZZZAAV')).body).toEqual({
      items: [],
      page: NO_PAGE,
    });
  });

  it('pages through the contexts of one document, in reference order', async () => {
    const all = [newest, ...others].map((r) => r.contextReferenceId).sort();
    const first = await get(`/v1/contexts/by-document/crm/${ACCOUNT_ID}?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.items?.map((i) => i.contextReferenceId)).toEqual(all.slice(0, 3));
    expect(first.body.page).toEqual({ limit: 3, offset: 0, hasMore: true });
    const rest = await get(`/v1/contexts/by-document/crm/${ACCOUNT_ID}?limit=3&offset=3`);
    expect(rest.body.items?.map((i) => i.contextReferenceId)).toEqual(all.slice(3));
    expect(rest.body.page).toEqual({ limit: 3, offset: 3, hasMore: false });
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=two', 'page=2'])
      expect((await get(`/v1/contexts/by-document/crm/${ACCOUNT_ID}?${query}`)).status).toBe(400);
  });

  it('requires a valid API key with the contexts:read scope', async () => {
    expect((await get(`/v1/contexts/${reference}`, null)).status).toBe(401);
    expect((await get(`/v1/contexts/${reference}`, 'wrong-key')).status).toBe(401);
    const forbidden = await get(`/v1/contexts/${reference}`, REPORTS_ONLY);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toMatch(/contexts:read/);
  });

  it('answers bad parameters with a 400 and unknown ones with a 404', async () => {
    expect((await get('/v1/contexts/not-a-reference')).status).toBe(400);
    expect((await get('/v1/contexts/by-document/recipe/INV-12345')).status).toBe(400);
    expect((await get(`/v1/contexts/by-order/${'x'.repeat(201)}`)).status).toBe(400);
    expect((await get('/v1/contexts/by-order/no-such-order')).status).toBe(404);
    expect((await get(`/v1/contexts/ctx_${'a'.repeat(26)}`)).status).toBe(404);
  });

  it.each(["12345' OR '1'='1", "'; DROP TABLE context_records; --", '\\', '%00', '😀'])(
    'answers the hostile id %j with nothing, never an error or other data',
    async (id) => {
      const path = encodeURIComponent(id);
      expect((await get(`/v1/contexts/by-order/${path}`)).status).toBe(404);
      for (const kind of ['invoice', 'crm']) {
        const byDocument = await get(`/v1/contexts/by-document/${kind}/${path}`);
        expect(byDocument).toEqual({ status: 200, body: { items: [], page: NO_PAGE } });
      }
      // The data is still there afterwards.
      expect((await get(`/v1/contexts/${reference}`)).status).toBe(200);
    },
  );

  it("answers a context's delivery log, newest try first, a page at a time", async () => {
    const all = await fetch(`${app.url}/v1/contexts/${reference}/deliveries`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({
      items: [...deliveries].reverse().map((d) => ({ ...d, at: d.at.toISOString() })),
      page: NO_PAGE,
    });
    const first = await fetch(`${app.url}/v1/contexts/${reference}/deliveries?limit=1`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    const body = (await first.json()) as { items: { attempt: number }[]; page: object };
    expect(body.items.map((i) => i.attempt)).toEqual([2]);
    expect(body.page).toEqual({ limit: 1, offset: 0, hasMore: true });
    const other = others[0].contextReferenceId;
    expect((await get(`/v1/contexts/${other}/deliveries`)).body).toEqual({
      items: [],
      page: NO_PAGE,
    });
    expect((await get('/v1/contexts/not-a-reference/deliveries')).status).toBe(400);
    expect((await get(`/v1/contexts/${reference}/deliveries`, REPORTS_ONLY)).status).toBe(403);
  });

  it("answers the money the ERP holds for a context, each document's newest reading", async () => {
    const { status, body } = await get(`/v1/contexts/${reference}/erp-amounts`);
    expect(status).toBe(200);
    const reading = (target: string, document: string, amount: string) => ({
      connector: 'sample-erp',
      target,
      document,
      currency: 'EUR',
      amount,
      rows: 1,
      version: newest.version,
      readAt: expect.stringMatching(/^2026-03-14T16:07:02/) as string,
    });
    expect(body.items).toEqual([
      reading('ar', 'INV-12345', '250.90'),
      reading('gl', 'JE-12345', '210.00'),
      reading('om', '12345', newest.amounts.ordered!),
    ]);
    expect((await get(`/v1/contexts/${others[0].contextReferenceId}/erp-amounts`)).body).toEqual({
      items: [],
    });
  });

  it('reconciles the ERP figures with the context: per module, and the largest differences', async () => {
    const { amounts } = newest;
    expect(amounts).toMatchObject({ currency: 'EUR', ordered: '249.90', invoiced: '249.90' });
    const response = await fetch(
      `${app.url}/v1/reports/erp-reconciliation?from=2026-03-01&to=2026-04-01&differences=5`,
      { headers: { authorization: `Bearer ${REPORTS_ONLY}` } },
    );
    expect(response.status).toBe(200);
    const posted = (Number(amounts.revenueCredited) - Number(amounts.revenueDebited)).toFixed(2);
    const difference = (210 - Number(posted)).toFixed(2);
    const row = (
      target: string,
      differing: number,
      context: string,
      erp: string,
      diff: string,
    ) => ({
      connector: 'sample-erp',
      target,
      currency: 'EUR',
      contexts: 1,
      differing,
      context,
      erp,
      difference: diff,
    });
    const glDiffers = difference !== '0.00' ? 1 : 0;
    expect(await response.json()).toEqual({
      from: '2026-03-01',
      to: '2026-04-01',
      rows: [
        row('ar', 1, '249.90', '250.90', '1.00'),
        row('gl', glDiffers, posted, '210.00', difference),
        row('om', 0, '249.90', '249.90', '0.00'),
      ],
      differences: [
        ...(glDiffers ? [{ target: 'gl', context: posted, erp: '210.00', difference }] : []),
        { target: 'ar', context: '249.90', erp: '250.90', difference: '1.00' },
      ]
        .sort((a, b) => Math.abs(Number(b.difference)) - Math.abs(Number(a.difference)))
        .map((d) => ({
          contextReferenceId: reference,
          connector: 'sample-erp',
          currency: 'EUR',
          ...d,
        })),
    });
    // Nothing read for orders of another period.
    const empty = await fetch(
      `${app.url}/v1/reports/erp-reconciliation?from=2026-05-01&to=2026-06-01`,
      {
        headers: { authorization: `Bearer ${REPORTS_ONLY}` },
      },
    );
    expect(await empty.json()).toMatchObject({ rows: [], differences: [] });
  });

  it('is described in the OpenAPI document', async () => {
    const response = await fetch(`${app.url}/docs/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/contexts/{contextReferenceId}',
        '/v1/contexts/by-order/{orderId}',
        '/v1/contexts/by-document/{kind}/{id}',
        '/v1/contexts/{contextReferenceId}/deliveries',
        '/v1/contexts/{contextReferenceId}/erp-amounts',
        '/v1/reports/erp-reconciliation',
      ]),
    );
  });
});
