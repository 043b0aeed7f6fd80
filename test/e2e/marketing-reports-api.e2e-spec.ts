import { ContextEngine, ATTRIBUTION_MODELS, type ContextRecord } from '@ctxb/context';
import { EVENT_CATALOGUE, Topic } from '@ctxb/events';
import { trafficEvents } from '@ctxb/simulation';
import { eventRow, RawEventStore } from '@ctxb/store';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

interface Report {
  journeys: { converting: number; nonConverting: number };
  conversionProbability: number;
  models: { model: string; channels: { channel: string; share: number }[] }[];
}

describe('marketing roll-ups over generated traffic', () => {
  const events = trafficEvents({
    seed: 8,
    journeys: 300,
    start: '2026-03-01',
    days: 20,
    includeStory: true,
  });
  const engine = new ContextEngine();
  const records: ContextRecord[] = [
    ...events.flatMap((e) => engine.ingest(e).records),
    ...engine.drain(),
  ];
  let app: QueryApi;

  beforeAll(async () => {
    app = await startQueryApi(records, { key: 'unused', scopes: [] }, (_, client) =>
      new RawEventStore(client).write(
        events.map((e) => eventRow(e, EVENT_CATALOGUE.get(e.type)!.topic)),
      ),
    );
  });
  afterAll(() => app?.close());

  async function report<T>(name: string, query: string) {
    const response = await fetch(`${app.url}/v1/reports/${name}?${query}`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const get = (query: string) => report<Report>('attribution-models', query);

  it('counts the journeys of the period, converting and not, from the events', async () => {
    // Expected from the generated events: every device with behaviour; converted if it ordered.
    const behaviour = new Set<string>();
    const ordered = new Set<string>();
    for (const e of events) {
      if (!e.anonymousid) continue;
      if (EVENT_CATALOGUE.get(e.type)!.topic === Topic.CustomerJourney)
        behaviour.add(e.anonymousid);
      if (e.type === 'order.placed') ordered.add(e.anonymousid);
    }
    const converting = [...behaviour].filter((d) => ordered.has(d)).length;
    const { status, body } = await get('from=2026-03-01&to=2026-04-01');
    expect(status).toBe(200);
    expect(body.journeys).toEqual({ converting, nonConverting: behaviour.size - converting });
    expect(body.conversionProbability).toBeGreaterThan(0);
    expect(body.conversionProbability).toBeLessThan(1);
  });

  it('gives every model shares that sum to 1, Markov first, the same on every call', async () => {
    const first = (await get('from=2026-03-01&to=2026-04-01')).body;
    expect(first.models.map((m) => m.model)).toEqual(['markov', ...ATTRIBUTION_MODELS]);
    for (const model of first.models) {
      expect(model.channels.length).toBeGreaterThan(0);
      expect(model.channels.reduce((n, c) => n + c.share, 0)).toBeCloseTo(1, 6);
    }
    expect((await get('from=2026-03-01&to=2026-04-01')).body).toEqual(first);
  });

  it('shares the rule-based weights of the orders, as the records give them', async () => {
    const newest = new Map<string, ContextRecord>();
    for (const r of records) newest.set(r.contextReferenceId, r);
    const linear = new Map<string, number>();
    for (const r of newest.values())
      for (const w of r.attribution.linear)
        linear.set(w.channel, (linear.get(w.channel) ?? 0) + w.weight);
    const { body } = await get('from=2026-03-01&to=2026-04-01');
    const shares = body.models.find((m) => m.model === 'linear')!.channels;
    expect(shares.map((c) => c.channel).sort()).toEqual([...linear.keys()].sort());
    for (const { channel, share } of shares)
      expect(share).toBeCloseTo(linear.get(channel)! / newest.size, 6);
  });

  it('answers the same once the months are merged into one part each (read without FINAL)', async () => {
    const asks = [
      ['attribution-models', 'from=2026-03-01&to=2026-04-01'],
      ['channels', 'from=2026-03-01&to=2026-04-01'],
      ['fulfillment', 'from=2026-03-01&to=2026-04-01'],
      ['checkout-performance', 'from=2026-03-01&to=2026-04-01'],
    ];
    const answers = () => Promise.all(asks.map(([name, query]) => report(name, query)));
    const before = await answers();
    for (const answer of before) expect(answer.status).toBe(200);
    await app.compact();
    expect(await answers()).toEqual(before);
  });

  it('answers a malformed period with a 400', async () => {
    expect((await get('from=2026-03-01')).status).toBe(400);
    expect((await get(`from=${encodeURIComponent("2026-03-01' --")}&to=2026-04-01`)).status).toBe(
      400,
    );
    expect((await get('from=2026-03-01&to=2026-04-01&model=linear')).status).toBe(400);
    for (const query of ['from=2026-03-01', 'from=2026-03-01&to=2026-04-01&signal=searched'])
      expect((await report('intent-signals', query)).status).toBe(400);
  });

  describe('GET /v1/reports/channels', () => {
    interface Channels {
      conversions: number;
      averageTouchpointsPerConversion: number;
      currencies: {
        currency: string;
        channels: {
          channel: string;
          spend: string;
          newCustomers: number;
          cac: string | null;
          roi: number | null;
          revenue: string;
          touches: { first: number; assisted: number; last: number };
        }[];
        campaigns: { campaign: string; spend: string; revenue: string; roi: number | null }[];
      }[];
    }
    const cents = (amount: string) => Math.round(Number(amount) * 100);

    it('puts the recorded spend, new customers and touch shares per channel', async () => {
      const { status, body } = await report<Channels>('channels', 'from=2026-03-01&to=2026-04-01');
      expect(status).toBe(200);
      const [eur] = body.currencies;
      expect(eur.currency).toBe('EUR');

      // Spend per channel and campaign, summed here from the generated spend events.
      const spend = new Map<string, number>();
      const campaignSpend = new Map<string, number>();
      for (const e of events.filter((x) => x.type === 'marketing.spend.recorded')) {
        const d = e.data as { date: string; channel: string; campaign: string; amount: string };
        if (d.date < '2026-03-01' || d.date >= '2026-04-01') continue;
        spend.set(d.channel, (spend.get(d.channel) ?? 0) + cents(d.amount));
        campaignSpend.set(d.campaign, (campaignSpend.get(d.campaign) ?? 0) + cents(d.amount));
      }
      expect(spend.size).toBeGreaterThan(0);
      for (const [channel, total] of spend)
        expect(cents(eur.channels.find((c) => c.channel === channel)!.spend)).toBe(total);
      for (const [campaign, total] of campaignSpend)
        expect(cents(eur.campaigns.find((c) => c.campaign === campaign)!.spend)).toBe(total);

      // Every customer's first order is in this period: new customers add up to the buyers.
      const buyers = new Set(
        events
          .filter((e) => e.type === 'order.placed')
          .map((e) => (e.data.customerId as string | undefined) ?? e.customerid)
          .filter((c): c is string => !!c),
      );
      expect(eur.channels.reduce((n, c) => n + c.newCustomers, 0)).toBe(buyers.size);
      for (const c of eur.channels) {
        if (c.newCustomers > 0)
          expect(Math.abs(cents(c.cac!) * c.newCustomers - cents(c.spend))).toBeLessThanOrEqual(
            c.newCustomers,
          );
        if (cents(c.spend) > 0)
          expect(c.roi).toBeCloseTo((cents(c.revenue) - cents(c.spend)) / cents(c.spend), 4);
      }

      // Each conversion has one first and one last touch.
      const sum = (key: 'first' | 'last') => eur.channels.reduce((n, c) => n + c.touches[key], 0);
      expect(sum('first')).toBeCloseTo(1, 4);
      expect(sum('last')).toBeCloseTo(1, 4);
      const newest = new Map<string, ContextRecord>();
      for (const r of records) newest.set(r.contextReferenceId, r);
      const touched = [...newest.values()].filter((r) => r.journey.touchpoints.length > 0);
      expect(body.conversions).toBe(touched.length);
      expect(body.averageTouchpointsPerConversion).toBeCloseTo(
        touched.reduce((n, r) => n + r.journey.touchpoints.length, 0) / touched.length,
        4,
      );
    });

    it('answers a wrong model or an unknown parameter with a 400', async () => {
      const bad = ['model=last-click', 'by=campaign', 'from=2026-03-01'];
      for (const query of bad)
        expect((await report('channels', `from=2026-03-01&to=2026-04-01&${query}`)).status).toBe(
          400,
        );
    });
  });
});
