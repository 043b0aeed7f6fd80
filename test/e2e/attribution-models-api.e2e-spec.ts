import { ContextEngine, ATTRIBUTION_MODELS, type ContextRecord } from '@ctxb/context';
import { EVENT_CATALOGUE, Topic, type CloudEvent } from '@ctxb/events';
import { generateTraffic } from '@ctxb/simulation';
import { eventRow, RawEventStore } from '@ctxb/store';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';

interface Report {
  journeys: { converting: number; nonConverting: number };
  conversionProbability: number;
  models: { model: string; channels: { channel: string; share: number }[] }[];
}

describe('GET /v1/reports/attribution-models (Markov beside the rule-based models)', () => {
  const events: CloudEvent[] = [];
  for (const chunk of generateTraffic({
    seed: 8,
    journeys: 300,
    start: '2026-03-01',
    days: 20,
    includeStory: true,
  }))
    events.push(...chunk);
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

  async function get(query: string) {
    const response = await fetch(`${app.url}/v1/reports/attribution-models?${query}`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    return { status: response.status, body: (await response.json()) as Report };
  }

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

  it('answers a malformed period with a 400', async () => {
    expect((await get('from=2026-03-01')).status).toBe(400);
    expect((await get(`from=${encodeURIComponent("2026-03-01' --")}&to=2026-04-01`)).status).toBe(
      400,
    );
    expect((await get('from=2026-03-01&to=2026-04-01&model=linear')).status).toBe(400);
  });
});
