import { randomUUID } from 'node:crypto';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { trafficEvents } from '@ctxb/simulation';
import { createKafka, engineConsumerGroups } from '@ctxb/streaming';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import {
  startTestEngine,
  engineTestConfig,
  produceEvents,
  waitForGroups,
} from '../support/engine-test';
import { startInProcess, type RunningApp } from '../support/http';
import { DEMO_API_KEY } from '../support/query-api';
import {
  cents,
  ledgerJourneys,
  ledgerOrders,
  moduleCents,
  type LedgerOrder,
} from '../support/traffic-ledger';
import { withLockWait } from '../support/event-time-lock';

/**
 * The whole way: generated traffic written to the event topics, read by the engine (intake,
 * journey routing, context stage, raw-event archive) into ClickHouse, and asked of the
 * gateway's API. Every expected figure is worked out here from the generated events alone
 * (test/support/traffic-ledger.ts), never from the engine's own code.
 */
describe('from generated events on Kafka to every API answer', () => {
  const config = engineTestConfig((c) => {
    c.log.level = process.env.TEST_LOG ?? 'silent';
    c.archive.enabled = true;
    c.archive.insertLingerMs = 200;
  });
  const kafka = createKafka(config.kafka, 'test');
  // Dated where no other test writes, under ids no other run shares: the topics are shared.
  const period = { from: '2093-05-01', to: '2093-06-01' };
  const run = `p${randomUUID().slice(0, 8)}-`;
  const traffic = trafficEvents({
    seed: 2093,
    journeys: 300,
    start: period.from,
    days: 10,
    includeStory: false,
    idPrefix: run,
  });
  const orders = ledgerOrders(traffic);
  const inPeriod = (o: LedgerOrder) =>
    o.placedAt >= Date.parse(`${period.from}T00:00:00Z`) &&
    o.placedAt < Date.parse(`${period.to}T00:00:00Z`);
  const query = `from=${period.from}&to=${period.to}`;
  let engine: RunningApp;
  let gateway: RunningApp;

  beforeAll(async () => {
    engine = await startTestEngine(config);
    gateway = await startInProcess(gatewayApp, config);
    const { intake, context } = engineConsumerGroups(config.engine.groupId);
    await waitForGroups(kafka, [intake, context]);
    // A version is emitted once event time has moved past it: visits a day after everything
    // else, from enough devices to reach every journey partition, move every shard's clock on.
    const after =
      Math.max(Date.parse(traffic[traffic.length - 1].time), Date.parse(`${period.to}T00:00:00Z`)) +
      86_400_000;
    const clockMovers: CloudEvent[] = Array.from({ length: 200 }, (_, i) =>
      exampleEvent('page.viewed', {
        id: `${run}later-${i}`,
        anonymousid: `a-${run}later-${i}`,
        time: new Date(after + i).toISOString(),
      }),
    );
    await produceEvents(kafka, traffic);
    await produceEvents(kafka, clockMovers);
  }, withLockWait(300_000));
  afterAll(async () => {
    await gateway?.close();
    await engine?.close();
  });

  async function get<T>(path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Asks until the answer passes `check` (the pipeline is still catching up), or fails with the last reason. */
  async function eventually<T>(path: string, check: (body: T) => void): Promise<T> {
    const deadline = Date.now() + 150_000;
    for (;;) {
      const { status, body } = await get<T>(path);
      try {
        expect(status).toBe(200);
        check(body);
        return body;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  it('generates enough to tell right from wrong', () => {
    expect(orders.filter(inPeriod).length).toBeGreaterThan(50);
    expect(orders.some((o) => o.cancelled)).toBe(true);
    expect(orders.some((o) => o.returnedCents > 0)).toBe(true);
    expect(orders.some((o) => (o.checkoutLoadMs ?? 0) > 5000)).toBe(true);
  });

  it('revenue-attribution: every order once, in its final state, by module, gross and net', async () => {
    const expected = { orders: 0, ordered: [0, 0], invoiced: [0, 0], postedRevenue: [0, 0] };
    const byCampaign = new Map<string | null, number>();
    for (const o of orders.filter(inPeriod)) {
      const m = moduleCents(o);
      expected.orders++;
      for (const key of ['ordered', 'invoiced', 'postedRevenue'] as const) {
        expected[key][0] += m[key].gross;
        expected[key][1] += m[key].net;
      }
      byCampaign.set(o.firstCampaign, (byCampaign.get(o.firstCampaign) ?? 0) + o.totalCents);
    }
    type Amounts = Record<'ordered' | 'invoiced' | 'postedRevenue', { gross: string; net: string }>;
    const pair = (a: { gross: string; net: string }) => [cents(a.gross), cents(a.net)];
    await eventually<{
      rows: ({ key: string | null; orders: number } & Amounts)[];
      totals: ({ currency: string; orders: number } & Amounts)[];
    }>(`/v1/reports/revenue-attribution?${query}&model=first-touch&by=campaign`, (b) => {
      expect(b.totals).toHaveLength(1);
      const [eur] = b.totals;
      expect({
        orders: eur.orders,
        ordered: pair(eur.ordered),
        invoiced: pair(eur.invoiced),
        postedRevenue: pair(eur.postedRevenue),
      }).toEqual(expected);
      // First touch: the whole order to the campaign of the journey's first landing page.
      expect(new Map(b.rows.map((r) => [r.key, cents(r.ordered.gross)]))).toEqual(byCampaign);
    });
  }, 180_000);

  it('drill-down: a cancelled, a returned and a plain order, by order id, reference and document', async () => {
    const picks = [
      orders.find((o) => o.cancelled)!,
      orders.find((o) => o.returnedCents > 0)!,
      orders.find((o) => !o.cancelled && !o.returnedCents && !o.failed)!,
    ];
    interface Answer {
      contextReferenceId: string;
      context: {
        order: { orderId: string; customerId: string; total: string; placedAt: string };
        sessions: { count: number };
        journey: { firstTouch: { campaign: string | null } | null };
        state: { history: { state: string; enteredAt: string }[] };
        correlations: { invoices: string[]; journals: string[] };
        amounts: { paid: string; refunded: string; invoiced: string };
      };
    }
    for (const o of picks) {
      const answer = await eventually<Answer>(`/v1/contexts/by-order/${o.orderId}`, (b) =>
        expect(b.context.state.history.map((h) => h.state)).toEqual(o.states.map((s) => s.state)),
      );
      const { context } = answer;
      expect(context.order).toMatchObject({
        orderId: o.orderId,
        customerId: o.customerId,
        placedAt: new Date(o.placedAt).toISOString(),
      });
      expect(cents(context.order.total)).toBe(o.totalCents);
      expect(context.sessions.count).toBe(o.sessions);
      expect(context.journey.firstTouch?.campaign ?? null).toBe(o.firstCampaign);
      expect(context.state.history.map((h) => Date.parse(h.enteredAt))).toEqual(
        o.states.map((s) => s.at),
      );
      expect(context.correlations.invoices).toEqual(o.invoiceNos);
      expect(context.correlations.journals).toEqual(o.journalIds);
      expect(cents(context.amounts.paid)).toBe(o.paidCents);
      expect(cents(context.amounts.refunded)).toBe(o.refundedCents);
      expect(cents(context.amounts.invoiced)).toBe(o.invoicedCents);

      const reference = answer.contextReferenceId;
      expect((await get<Answer>(`/v1/contexts/${reference}`)).body).toEqual(answer);
      for (const [kind, ids] of [
        ['invoice', o.invoiceNos],
        ['journal', o.journalIds],
      ] as const)
        for (const id of ids)
          expect(
            (await get<{ items: Answer[] }>(`/v1/contexts/by-document/${kind}/${id}`)).body,
          ).toEqual({
            items: [answer],
            page: { limit: 20, offset: 0, hasMore: false },
          });
    }
  }, 180_000);

  it('checkout-performance: slow and fast checkouts, their revenue and basket size', async () => {
    const measured = orders.filter((o) => inPeriod(o) && o.checkoutLoadMs !== null);
    const slow = measured.filter((o) => o.checkoutLoadMs! > 5000);
    const fast = measured.filter((o) => o.checkoutLoadMs! < 2000);
    const revenue = (list: LedgerOrder[]) => list.reduce((n, o) => n + o.totalCents, 0);
    interface Side {
      orders: number;
      revenue: string;
      averageOrderValue: string | null;
    }
    await eventually<{
      currencies: { currency: string; orders: number; slow: Side; fast: Side }[];
    }>(`/v1/reports/checkout-performance?${query}`, (b) => {
      expect(b.currencies.map((c) => c.currency)).toEqual(['EUR']);
      const [eur] = b.currencies;
      expect(eur.orders).toBe(measured.length);
      for (const [side, list] of [
        [eur.slow, slow],
        [eur.fast, fast],
      ] as const) {
        expect({ orders: side.orders, revenue: cents(side.revenue) }).toEqual({
          orders: list.length,
          revenue: revenue(list),
        });
        expect(
          Math.abs(cents(side.averageOrderValue) - revenue(list) / list.length),
        ).toBeLessThanOrEqual(0.5);
      }
    });
  }, 180_000);

  it('fulfillment: every order in one value tier, time to delivery as the events give it', async () => {
    const placed = orders.filter(inPeriod);
    const delivered = placed.flatMap((o) => {
      const at = o.states.find((s) => s.state === 'delivered')?.at;
      // The store keeps state times in whole seconds.
      const second = (ms: number) => Math.floor(ms / 1000) * 1000;
      return at === undefined ? [] : [second(at) - second(o.placedAt)];
    });
    interface Tier {
      orders: number;
      orderValue: { from: string; to: string };
      fulfillment: { orders: number; averageMs: number | null };
    }
    const body = await eventually<{ tiers: Tier[] }>(`/v1/reports/fulfillment?${query}`, (b) => {
      expect(b.tiers.reduce((n, t) => n + t.orders, 0)).toBe(placed.length);
      expect(b.tiers.reduce((n, t) => n + t.fulfillment.orders, 0)).toBe(delivered.length);
    });
    const total = body.tiers.reduce(
      (n, t) => n + (t.fulfillment.averageMs ?? 0) * t.fulfillment.orders,
      0,
    );
    // Each tier's average is rounded to the millisecond: at most half a millisecond per order off.
    expect(Math.abs(total - delivered.reduce((n, d) => n + d, 0))).toBeLessThanOrEqual(
      delivered.length / 2,
    );
    // Tiers split by value: the lowest starts at the smallest order, the highest ends at the largest.
    const totals = placed.map((o) => o.totalCents).sort((a, b) => a - b);
    expect(cents(body.tiers[0].orderValue.from)).toBe(totals[0]);
    expect(cents(body.tiers[body.tiers.length - 1].orderValue.to)).toBe(totals[totals.length - 1]);
  }, 180_000);

  it('attribution-models and channels: journeys, spend and conversions from the archived events', async () => {
    const devices = new Set(traffic.filter((e) => e.anonymousid).map((e) => e.anonymousid!));
    const buyers = new Set(orders.map((o) => o.device));
    await eventually<{ journeys: { converting: number; nonConverting: number } }>(
      `/v1/reports/attribution-models?${query}`,
      (b) =>
        expect(b.journeys).toEqual({
          converting: buyers.size,
          nonConverting: devices.size - buyers.size,
        }),
    );

    const spend = new Map<string, number>();
    for (const e of traffic.filter((x) => x.type === 'marketing.spend.recorded')) {
      const d = e.data as { date: string; campaign: string; amount: string };
      if (d.date >= period.from && d.date < period.to)
        spend.set(d.campaign, (spend.get(d.campaign) ?? 0) + cents(d.amount));
    }
    const placed = orders.filter(inPeriod);
    await eventually<{
      conversions: number;
      averageTouchpointsPerConversion: number;
      currencies: { campaigns: { campaign: string; spend: string }[] }[];
    }>(`/v1/reports/channels?${query}`, (b) => {
      expect(b.conversions).toBe(placed.length);
      expect(b.averageTouchpointsPerConversion).toBeCloseTo(
        placed.reduce((n, o) => n + o.sessions, 0) / placed.length,
        6,
      );
      const [eur] = b.currencies;
      expect(new Map(eur.campaigns.map((c) => [c.campaign, cents(c.spend)]))).toEqual(spend);
    });
  }, 180_000);

  it('intent-signals: close rates of journeys that searched, started checkout, saw a slow checkout', async () => {
    const journeys = ledgerJourneys(traffic);
    const expected = (shows: (j: (typeof journeys)[number]) => boolean) => {
      const with_ = journeys.filter(shows);
      return { journeys: with_.length, converting: with_.filter((j) => j.converted).length };
    };
    interface Row {
      signal: string;
      journeys: number;
      converting: number;
      closeRate: number | null;
      lift: number | null;
    }
    const body = await eventually<{ journeys: number; converting: number; signals: Row[] }>(
      `/v1/reports/intent-signals?${query}`,
      (b) =>
        expect({ journeys: b.journeys, converting: b.converting }).toEqual(expected(() => true)),
    );
    const row = (signal: string) => body.signals.find((s) => s.signal === signal)!;
    expect(row('searched')).toMatchObject(expected((j) => j.searched));
    expect(row('started-checkout')).toMatchObject(expected((j) => j.startedCheckout));
    expect(row('slow-checkout-page')).toMatchObject(expected((j) => j.slowCheckout));
    // Checking out is the strongest sign of buying; lifts are highest first.
    expect(row('started-checkout').lift).toBeGreaterThan(1);
    const lifts = body.signals.map((s) => s.lift ?? -1);
    expect(lifts).toEqual([...lifts].sort((a, b) => b - a));
  }, 180_000);
});
