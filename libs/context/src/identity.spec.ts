import type { CloudEvent } from '@ctxb/events';
import { ContextEngine } from './context-engine';
import type { ContextRecord } from './context-record';

const T0 = Date.parse('2026-05-01T10:00:00Z');
let seq = 0;

function event(
  type: string,
  minutes: number,
  data: Record<string, unknown>,
  ext: { anonymousid?: string; customerid?: string } = {},
): CloudEvent {
  return {
    specversion: '1.0',
    id: `e-${++seq}`,
    source: 'test',
    type,
    time: new Date(T0 + minutes * 60_000).toISOString(),
    ...ext,
    data,
  };
}

/** A visit of a device from a campaign: its own session and touchpoint. */
const visit = (device: string, minutes: number, campaign: string): CloudEvent =>
  event(
    'page.viewed',
    minutes,
    {
      url: `https://shop.example.com/?utm_source=${campaign}&utm_medium=cpc&utm_campaign=${campaign}`,
      path: '/',
    },
    { anonymousid: device },
  );
const identify = (device: string, customer: string, minutes: number): CloudEvent =>
  event(
    'identity.identified',
    minutes,
    { anonymousId: device, customerId: customer },
    {
      anonymousid: device,
    },
  );
const order = (orderId: string, customer: string, minutes: number, device?: string): CloudEvent =>
  event(
    'order.placed',
    minutes,
    { orderId, customerId: customer, total: '10.00', currency: 'EUR', lines: [] },
    device ? { anonymousid: device } : {},
  );

function run(events: CloudEvent[]): { engine: ContextEngine; records: ContextRecord[] } {
  const engine = new ContextEngine();
  const records = events.flatMap((e) => engine.ingest(e).records);
  return { engine, records: [...records, ...engine.drain()] };
}

const latest = (records: ContextRecord[], orderId: string): ContextRecord =>
  records.filter((r) => r.order.orderId === orderId).pop()!;

describe('identity stitching', () => {
  it('merges two devices of one person into one journey and records each merge with its cause', () => {
    const { records } = run([
      visit('phone', 0, 'spring'),
      identify('phone', 'C-1', 5),
      visit('laptop', 24 * 60, 'newsletter'),
      identify('laptop', 'C-1', 24 * 60 + 5),
      order('O-1', 'C-1', 24 * 60 + 20, 'laptop'),
    ]);
    const context = latest(records, 'O-1');
    expect(context.anonymousIds).toEqual(['laptop', 'phone']);
    expect(context.sessions.count).toBe(2);
    expect(context.journey.firstTouch?.campaign).toBe('spring');
    expect(context.identity.merges.map((m) => [m.anonymousId, m.cause])).toEqual([
      ['phone', expect.stringMatching(/^identity\.identified e-\d+$/)],
      ['laptop', expect.stringMatching(/^identity\.identified e-\d+$/)],
    ]);
  });

  it.each(['null', 'undefined', '0', '-1', 'anonymous', '', 'NULL', ' Anonymous '])(
    'never links through the placeholder id %j',
    (placeholder) => {
      const { records } = run([
        visit(placeholder, 0, 'spring'),
        visit('device-a', 1, 'other'),
        identify(placeholder, 'C-1', 2),
        identify('device-a', placeholder, 3),
        order('O-1', 'C-1', 10),
      ]);
      const context = latest(records, 'O-1');
      expect(context.anonymousIds).toEqual([]);
      expect(context.sessions.count).toBe(0);
      expect(context.identity.merges).toEqual([]);
      expect(context.identity.refused).toEqual([]);
    },
  );

  it('limits the anonymous ids per customer and says why the rest were refused', () => {
    const engine = new ContextEngine({ maxAnonymousIdsPerCustomer: 2 });
    const events = [
      ...['d1', 'd2', 'd3'].flatMap((d, i) => [
        visit(d, i * 60, `c${i}`),
        identify(d, 'C-1', i * 60 + 1),
      ]),
      order('O-1', 'C-1', 200),
    ];
    const records = [...events.flatMap((e) => engine.ingest(e).records), ...engine.drain()];
    const context = latest(records, 'O-1');
    expect(context.anonymousIds).toEqual(['d1', 'd2']);
    expect(context.identity.refused).toEqual([
      expect.objectContaining({
        anonymousId: 'd3',
        reason: 'customer already has 2 anonymous ids',
      }),
    ]);
  });

  it('never merges two already-identified customers through a shared device', () => {
    const { records } = run([
      visit('family-tablet', 0, 'spring'),
      identify('family-tablet', 'C-ALICE', 1),
      order('O-A', 'C-ALICE', 10, 'family-tablet'),
      visit('bobs-phone', 24 * 60, 'newsletter'),
      identify('bobs-phone', 'C-BOB', 24 * 60 + 1),
      identify('family-tablet', 'C-BOB', 24 * 60 + 30),
      order('O-B', 'C-BOB', 24 * 60 + 40, 'family-tablet'),
    ]);
    const bob = latest(records, 'O-B');
    expect(bob.anonymousIds).toEqual(['bobs-phone']);
    expect(bob.journey.touchpoints.map((t) => t.campaign)).toEqual(['newsletter']);
    expect(bob.identity.refused).toEqual([
      expect.objectContaining({
        anonymousId: 'family-tablet',
        reason: 'shared device: already linked to customer C-ALICE',
      }),
    ]);
    expect(latest(records, 'O-A').anonymousIds).toEqual(['family-tablet']);
  });

  it('unmerge re-emits the affected contexts as new versions without the separated device', () => {
    const { engine, records } = run([
      visit('phone', 0, 'spring'),
      identify('phone', 'C-1', 5),
      visit('borrowed-laptop', 60, 'wrong-person'),
      identify('borrowed-laptop', 'C-1', 65),
      order('O-1', 'C-1', 80, 'phone'),
      order('O-2', 'C-1', 90, 'phone'),
    ]);
    const before = ['O-1', 'O-2'].map((o) => latest(records, o));
    expect(before.map((r) => r.anonymousIds)).toEqual([
      ['borrowed-laptop', 'phone'],
      ['borrowed-laptop', 'phone'],
    ]);

    const reissued = engine.unmerge('borrowed-laptop', 'C-1');
    expect(reissued.map((r) => [r.order.orderId, r.version])).toEqual([
      ['O-1', before[0].version + 1],
      ['O-2', before[1].version + 1],
    ]);
    for (const r of reissued) {
      expect(r.anonymousIds).toEqual(['phone']);
      expect(r.journey.touchpoints.map((t) => t.campaign)).toEqual(['spring']);
      expect(r.identity.refused).toEqual([
        expect.objectContaining({ anonymousId: 'borrowed-laptop', reason: 'unmerged by command' }),
      ]);
    }
    // The pair stays apart: a new identification does not merge it again.
    engine.ingest(identify('borrowed-laptop', 'C-1', 100));
    expect(engine.drain().every((r) => !r.anonymousIds.includes('borrowed-laptop'))).toBe(true);
  });
});
