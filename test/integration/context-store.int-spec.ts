import type { ContextRecord } from '@ctxb/context';
import { ContextRecordStore } from '@ctxb/store';
import { ClickHouseTestDatabase } from '../support/clickhouse-test-database';
import { order12345Records } from '../support/order-12345-records';

describe('context store on ClickHouse: newest version only', () => {
  const database = new ClickHouseTestDatabase('it_store');
  const { client } = database;
  const store = new ContextRecordStore(client);
  const records = order12345Records();
  const last = records[records.length - 1];
  const reference = last.contextReferenceId;

  const referencesOf = async (...query: Parameters<ContextRecordStore['contextsOfDocument']>) =>
    (await store.contextsOfDocument(...query)).map((c) => c.contextReferenceId);

  beforeAll(async () => {
    await database.create();
    await store.ensureSchema();
    // Versions arrive in order, then a replay writes all of them again, oldest last.
    await store.write(records);
    await store.write([...records].reverse());
  });
  afterAll(() => database.drop());

  it('reads any one stored version, and nothing for a version never stored', async () => {
    const [first] = records;
    expect(await store.recordAt(reference, first.version)).toEqual(
      JSON.parse(JSON.stringify(first)),
    );
    expect(await store.recordAt(reference, last.version + 1)).toBeUndefined();
  });

  it('reads the newest version with each of its rows once, after a replay', async () => {
    expect(records.length).toBeGreaterThan(1);
    const stored = await store.newestRows(reference);
    expect(stored?.version).toBe(last.version);
    expect(stored?.record).toEqual(JSON.parse(JSON.stringify(last)));
    expect(stored?.sessions.map((t) => Number(t.position))).toEqual([0, 1, 2, 3, 4]);
    expect(stored?.sessions.map((t) => t.started_at)).toEqual(
      last.sessions.items.map((s) => s.startedAt.slice(0, 19).replace('T', ' ')),
    );
    expect(stored?.touchpoints.map((t) => Number(t.position))).toEqual([0, 1, 2, 3, 4]);
    expect(stored?.states.map((s) => s.state)).toEqual(last.state.history.map((h) => h.state));
    const pairs = stored!.attribution.map(
      (a) => `${String(a.model)}|${String(a.channel)}|${String(a.campaign)}`,
    );
    expect(new Set(pairs).size).toBe(pairs.length);
    for (const row of [
      ...stored!.sessions,
      ...stored!.touchpoints,
      ...stored!.attribution,
      ...stored!.correlations,
    ])
      expect(Number(row.version)).toBe(last.version);
  });

  it('finds the context from an ERP document, as long as its newest version names it', async () => {
    expect(await referencesOf('invoice', 'INV-12345')).toEqual([reference]);
    const without: ContextRecord = {
      ...last,
      version: last.version + 1,
      correlations: { ...last.correlations, invoices: [] },
    };
    await store.write([without]);
    expect(await referencesOf('invoice', 'INV-12345')).toEqual([]);
    expect((await store.newestRows(reference))?.version).toBe(last.version + 1);
  });

  it('pages through the contexts one document names, in reference order', async () => {
    // Five orders paid by one payment (a split basket): the newest version of the third
    // then drops it, and an older version of a sixth named it but its newest does not.
    const payment = 'pay_shared_1';
    const orderOf = (n: number, version: number, paid: boolean): ContextRecord => ({
      ...last,
      contextReferenceId: `ctx_page${String(n).padStart(22, '0')}`,
      version,
      correlations: {
        ...last.correlations,
        payments: paid ? [{ ...last.correlations.payments[0], paymentId: payment }] : [],
      },
    });
    await store.write([1, 2, 3, 4, 5].map((n) => orderOf(n, 1, true)));
    await store.write([orderOf(3, 2, false), orderOf(6, 1, true)]);
    await store.write([orderOf(6, 2, false)]);
    const named = [1, 2, 4, 5].map((n) => orderOf(n, 1, true).contextReferenceId);
    expect(await referencesOf('payment', payment)).toEqual(named);
    expect(await referencesOf('payment', payment, { limit: 3, offset: 0 })).toEqual(
      named.slice(0, 3),
    );
    expect(await referencesOf('payment', payment, { limit: 3, offset: 3 })).toEqual(named.slice(3));
    expect(await referencesOf('payment', payment, { limit: 3, offset: 9 })).toEqual([]);
  });

  it('finds the context from a CRM or ERP record its reference was written into, once', async () => {
    const link = {
      kind: 'crm' as const,
      id: '0065g00000AbCdEAAV',
      contextReferenceId: reference,
      system: 'salesforce',
      linkedAt: new Date('2026-03-14T16:06:00Z'),
    };
    // Reported twice (a retried delivery) and by a second system: still one answer.
    await store.linkDocuments([link, link, { ...link, system: 'salesforce-sandbox' }]);
    await store.linkDocuments([{ ...link, linkedAt: new Date('2026-03-14T16:07:00Z') }]);
    expect(await referencesOf('crm', link.id)).toEqual([reference]);
    expect(await referencesOf('erp-order', link.id)).toEqual([]);
    expect(await referencesOf('crm', `${link.id}' OR '1'='1`)).toEqual([]);
  });

  it.each([
    ["INV-12345' OR '1'='1", 'invoice'],
    ['INV-12345', "invoice' OR 1=1 --"],
    ['\\', '\0'],
  ])('answers hostile document ids (%j, %j) with nothing, not an error', async (id, kind) => {
    expect(await referencesOf(kind, id)).toEqual([]);
    expect(await store.newestRows(`${id}') OR 1=1 --`)).toBeUndefined();
  });
});
