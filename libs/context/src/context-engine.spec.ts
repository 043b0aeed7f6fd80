import fc from 'fast-check';
import { exampleEvent, type CloudEvent } from '@ctxb/events';
import { generateTraffic, order12345Events, order12345Records } from '@ctxb/simulation';
import { ContextEngine, type EngineChanges, type EngineSnapshot } from './context-engine';
import { applyChanges } from './engine-changes';
import type { ContextOptions } from './context-options';
import type { ContextRecord } from './context-record';

const LATENESS = 5 * 60_000;
const DAY = 86_400_000;

/** Ten days of seeded traffic with the order-12345 story in it, in event-time order. */
const TRAFFIC: CloudEvent[] = [
  ...generateTraffic({ seed: 7, journeys: 60, start: '2026-03-08', days: 10, includeStory: true }),
]
  .flat()
  .sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));

function replay(
  events: readonly CloudEvent[],
  options: Partial<ContextOptions> = {},
): ContextRecord[] {
  const engine = new ContextEngine({ latenessMs: LATENESS, ...options });
  const records = events.flatMap((e) => engine.ingest(e).records);
  return [...records, ...engine.drain()];
}

const byReference = (records: ContextRecord[]): string[] =>
  records.map((r) => JSON.stringify(r)).sort();

const IN_ORDER = replay(TRAFFIC);

/** Delivery order when each event is delayed by up to `delays[i]` ms (within the bound). */
function deliver(
  events: readonly CloudEvent[],
  delays: number[],
  duplicates: number[],
): CloudEvent[] {
  const arrivals = events.map((event, i) => ({ event, at: Date.parse(event.time) + delays[i], i }));
  duplicates.forEach((d, k) => {
    const i = d % events.length;
    arrivals.push({
      event: events[i],
      at: Date.parse(events[i].time) + delays[(i + k) % delays.length],
      i,
    });
  });
  return arrivals.sort((a, b) => a.at - b.at || a.i - b.i).map((a) => a.event);
}

/** An engine's state with its lists in one order (the order they are held in does not count). */
function normalized(engine: ContextEngine): EngineSnapshot {
  const s = JSON.parse(JSON.stringify(engine.snapshot())) as EngineSnapshot;
  const byKey =
    <T>(key: (item: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : 1;
  return {
    ...s,
    unmerged: [...s.unmerged].sort(),
    sources: [...s.sources].sort(byKey((x) => x.source)),
    seen: [...s.seen].sort(byKey((x) => x[0])),
    facts: [...s.facts].sort(byKey((f) => f.key)),
    orders: s.orders
      .map((o) => ({ ...o, pending: [...o.pending].sort((a, b) => a - b) }))
      .sort(byKey((o) => o.orderId)),
  };
}

/** Snapshot tests run with both: state that stays, and state that leaves memory. */
const WINDOWS: [string, Partial<ContextOptions>][] = [
  ['default windows', {}],
  ['windows short enough to evict and expire', { lookbackMs: DAY, orderRetentionMs: 2 * DAY }],
];

describe('ContextEngine', () => {
  it('emits contexts for the generated orders, each versioned 1, 2, 3 …', () => {
    const orders = new Map<string, number[]>();
    for (const r of IN_ORDER)
      orders.set(r.contextReferenceId, [...(orders.get(r.contextReferenceId) ?? []), r.version]);
    expect(orders.size).toBeGreaterThan(20);
    for (const versions of orders.values()) expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('gives identical records for any reordering within the lateness bound and any duplication', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: LATENESS }), {
          minLength: TRAFFIC.length,
          maxLength: TRAFFIC.length,
        }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (delays, duplicates) => {
          const records = replay(deliver(TRAFFIC, delays, duplicates));
          expect(byReference(records)).toEqual(byReference(IN_ORDER));
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  });

  it('replays the same input to byte-identical records', () => {
    const shuffled = deliver(
      TRAFFIC,
      TRAFFIC.map((_, i) => (i * 7919) % LATENESS),
      [],
    );
    expect(JSON.stringify(replay(shuffled))).toBe(JSON.stringify(replay(shuffled)));
    expect(JSON.stringify(replay(TRAFFIC))).toBe(JSON.stringify(IN_ORDER));
  });

  it.each(WINDOWS)(
    'continues from a snapshot taken anywhere exactly as an uninterrupted engine (%s)',
    (_, windows: Partial<ContextOptions>) => {
      const options = { latenessMs: LATENESS, ...windows };
      const arrival = deliver(
        TRAFFIC,
        TRAFFIC.map((_, i) => (i * 104_729) % LATENESS),
        [],
      );
      const expected = replay(arrival, windows).map((r) => JSON.stringify(r));
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: arrival.length - 1 }), { maxLength: 4 }),
          (cuts) => {
            let engine = new ContextEngine(options);
            const records: ContextRecord[] = [];
            arrival.forEach((event, i) => {
              if (cuts.includes(i)) {
                const saved = JSON.parse(JSON.stringify(engine.snapshot())) as EngineSnapshot;
                engine = ContextEngine.restore(saved, options);
              }
              records.push(...engine.ingest(event).records);
            });
            records.push(...engine.drain());
            expect(records.map((r) => JSON.stringify(r))).toEqual(expected);
          },
        ),
        { numRuns: 10, endOnFailure: true },
      );
    },
  );

  it.each(WINDOWS)(
    'restores from a snapshot and the changes taken after it as from a snapshot of the whole (%s)',
    (_, windows: Partial<ContextOptions>) => {
      const options = { latenessMs: LATENESS, ...windows };
      const arrival = deliver(
        TRAFFIC,
        TRAFFIC.map((_, i) => (i * 7_919) % LATENESS),
        TRAFFIC.map((_, i) => i * 31).slice(0, 50),
      );
      const expected = replay(arrival, windows).map((r) => JSON.stringify(r));
      const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
      fc.assert(
        fc.property(
          // Where the state is taken (whole or as changes), and where the engine is lost.
          fc.uniqueArray(
            fc.record({ at: fc.integer({ min: 0, max: arrival.length - 1 }), whole: fc.boolean() }),
            { selector: (save) => save.at, minLength: 1, maxLength: 30 },
          ),
          fc.uniqueArray(fc.integer({ min: 1, max: arrival.length - 1 }), { maxLength: 3 }),
          (saves, crashes) => {
            const wholeAt = new Map(saves.map((save) => [save.at, save.whole]));
            const crashed = new Set<number>();
            let engine = new ContextEngine(options);
            // The last state taken: the index it holds events before, the last snapshot of the
            // whole and the changes taken after it.
            let taken: { at: number; whole: EngineSnapshot; changes: EngineChanges[] } | undefined;
            const emitted = new Map<string, string>();
            const emit = (records: ContextRecord[]) => {
              for (const r of records) {
                const key = `${r.contextReferenceId}#${r.version}`;
                const json = JSON.stringify(r);
                // A replay emits again exactly what it emitted before.
                if (emitted.has(key)) expect(json).toBe(emitted.get(key));
                emitted.set(key, json);
              }
            };
            for (let i = 0; i < arrival.length; i++) {
              const whole = wholeAt.get(i);
              if (whole !== undefined) {
                if (whole || !taken)
                  taken = { at: i, whole: clone(engine.snapshot()), changes: [] };
                else {
                  taken = {
                    at: i,
                    whole: taken.whole,
                    changes: [...taken.changes, clone(engine.changes())],
                  };
                  // The chain restores to the state a snapshot of the whole holds.
                  const chain = applyChanges(taken.whole, taken.changes);
                  expect(normalized(ContextEngine.restore(chain, options))).toEqual(
                    normalized(engine),
                  );
                }
              }
              if (crashes.includes(i) && !crashed.has(i)) {
                crashed.add(i);
                engine = taken
                  ? ContextEngine.restore(applyChanges(taken.whole, taken.changes), options)
                  : new ContextEngine(options);
                i = (taken?.at ?? 0) - 1;
                continue;
              }
              emit(engine.ingest(arrival[i]).records);
            }
            emit(engine.drain());
            expect([...emitted.values()].sort()).toEqual([...expected].sort());
          },
        ),
        { numRuns: 15, endOnFailure: true },
      );
    },
  );

  it('counts an order whose version was emitted since as changed, though no event of it came', () => {
    const engine = new ContextEngine({ latenessMs: LATENESS });
    const placed = exampleEvent('order.placed');
    engine.ingest(placed);
    const before = engine.snapshot();
    expect(before.orders[0].version).toBe(0);
    // Only the watermark moves: the placement's version falls due and is emitted.
    const later = new Date(Date.parse(placed.time) + 2 * LATENESS).toISOString();
    const out = engine.ingest(exampleEvent('page.viewed', { id: 'later', time: later }));
    expect(out.records).toHaveLength(1);
    const after = applyChanges(before, [engine.changes()]);
    expect(after.orders.map((o) => [o.orderId, o.version, o.pending])).toEqual([['12345', 1, []]]);
  });

  it('keeps an event seen after a restore only as long as the engine itself would', () => {
    // Retention lets go of seen events two days back; the order lives on (placed an hour later
    // than its first payment attempt), so the attempt stays among the snapshot's facts.
    const options = { latenessMs: LATENESS, lookbackMs: DAY, orderRetentionMs: 2 * DAY };
    const attempt = exampleEvent('payment.attempted', {
      source: 'https://payments.example.com',
      time: '2026-03-14T15:00:00Z',
    });
    const engine = new ContextEngine(options);
    engine.ingest(attempt);
    engine.ingest(exampleEvent('order.placed', { time: '2026-03-14T16:00:00Z' }));
    engine.ingest(exampleEvent('page.viewed', { id: 'later', time: '2026-03-16T15:35:00Z' }));
    const restored = ContextEngine.restore(
      JSON.parse(JSON.stringify(engine.snapshot())) as EngineSnapshot,
      options,
    );
    expect(restored.snapshot().orders.map((o) => o.orderId)).toEqual(['12345']);
    // The attempt again: older than what the engine keeps, and no longer known as seen.
    expect(engine.ingest(attempt).expired).toHaveLength(1);
    expect(restored.ingest(attempt).expired).toHaveLength(1);
  });

  it('does not let a source read far ahead make another source’s events late', () => {
    const web = TRAFFIC.filter((e) => e.anonymousid && e.type !== 'order.placed');
    const backOffice = TRAFFIC.filter((e) => !web.includes(e));
    const engine = new ContextEngine({ latenessMs: LATENESS });
    const records: ContextRecord[] = [];
    records.push(...engine.progress('web', null, false));
    // Every order, payment, invoice and shipment first: weeks ahead of the web events.
    for (const e of backOffice) records.push(...engine.ingest(e).records);
    records.push(...engine.progress('back-office', Date.parse(backOffice.at(-1)!.time), true));
    const expired: unknown[] = [];
    for (const e of web) {
      const out = engine.ingest(e);
      records.push(...out.records);
      expired.push(...out.expired);
      records.push(...engine.progress('web', Date.parse(e.time), false));
    }
    records.push(...engine.progress('web', Date.parse(web.at(-1)!.time), true));
    records.push(...engine.drain());
    expect(expired).toEqual([]);
    expect(byReference(records)).toEqual(byReference(IN_ORDER));
  });

  it('turns an event later than the bound into a new version instead of losing it', () => {
    const invoice = TRAFFIC.find((e) => e.type === 'invoice.issued')!;
    const orderId = (invoice.data as { orderId: string }).orderId;
    const late = replay([...TRAFFIC.filter((e) => e !== invoice), invoice]);
    const final = (records: ContextRecord[]) =>
      records.filter((r) => r.order.orderId === orderId).pop()!;
    expect(final(late).correlations.invoices).toEqual([`INV-${orderId}`]);
    expect(final(IN_ORDER).correlations.invoices).toEqual([`INV-${orderId}`]);
  });

  it("takes a late order's late behaviour into a new version, after its window began to leave memory", () => {
    // A day later than the bound: the lookback window of the order reaches back before what
    // the engine still keeps, and the order comes before the page views of its journey.
    const story = order12345Events();
    const placed = story.find((e) => e.type === 'order.placed')!;
    const engine = new ContextEngine();
    engine.ingest(
      exampleEvent('page.viewed', {
        id: 'elsewhere',
        anonymousid: 'another-device',
        time: new Date(Date.parse(placed.time) + 86_400_000).toISOString(),
      }),
    );
    const records = [placed, ...story.filter((e) => e !== placed)].flatMap(
      (e) => engine.ingest(e).records,
    );
    records.push(...engine.drain());
    const newest = records.filter((r) => r.order.orderId === '12345').pop()!;
    const inOrder = order12345Records().at(-1)!;
    expect(records[0].journey.firstTouch).toBeNull();
    expect(newest.journey).toEqual(inOrder.journey);
    expect(newest.sessions).toEqual(inOrder.sessions);
  });

  it('ignores event types the context does not use and exact duplicates', () => {
    const engine = new ContextEngine();
    const spend = exampleEvent('marketing.spend.recorded');
    expect(engine.ingest(spend)).toEqual({ records: [], expired: [] });
    const placed = exampleEvent('order.placed');
    engine.ingest(placed);
    engine.ingest(placed);
    expect(engine.drain()).toHaveLength(1);
  });

  it('folds in an event stamped in a leap second, at the next second as POSIX time counts it', () => {
    const engine = new ContextEngine();
    engine.ingest(exampleEvent('order.placed', { time: '2016-12-31T23:59:60.250Z' }));
    const [record] = engine.drain();
    expect(record?.order.placedAt).toBe('2017-01-01T00:00:00.250Z');
  });
});
