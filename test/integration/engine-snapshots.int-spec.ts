import Redis from 'ioredis';
import { ContextEngine, type EngineSnapshot } from '@ctxb/context';
import { exampleEvent } from '@ctxb/events';
import { EngineSnapshots } from '@ctxb/engine-state';
import { engineTestConfig } from '../support/engine-test';
import { uniqueName } from '../support/test-config';

const config = engineTestConfig();
const TOPIC = 'journeys';

/** A page view of its own device, `minute` minutes into the day. */
const view = (minute: number) =>
  exampleEvent('page.viewed', {
    id: `view-${minute}`,
    anonymousid: `anon-${minute}`,
    time: new Date(Date.UTC(2026, 3, 1, 10, minute)).toISOString(),
  });

/** The state as JSON, lists in one order (how they are held does not count). */
const normalized = (snapshot: EngineSnapshot): string =>
  JSON.stringify({
    ...snapshot,
    facts: [...snapshot.facts].sort((a, b) => (a.key < b.key ? -1 : 1)),
    seen: [...snapshot.seen].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    orders: [...snapshot.orders].sort((a, b) => (a.orderId < b.orderId ? -1 : 1)),
  });

describe('engine snapshots in Redis: the whole, then the changes after it', () => {
  let redis: Redis;
  let prefix: string;
  let snapshots: EngineSnapshots;

  beforeAll(() => {
    redis = new Redis({ host: config.redis.host, port: config.redis.port });
  });
  beforeEach(() => {
    prefix = uniqueName('ctxb_test_snapshots');
    snapshots = new EngineSnapshots(redis, prefix);
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(() => redis.disconnect());

  it('a handover mark holds a new owner up until it is cleared, or expires', async () => {
    expect(await snapshots.handoverDone(TOPIC, 0, 1_000)).toBe(true);
    await snapshots.markHandover(TOPIC, 0, 10_000);
    const started = Date.now();
    expect(await snapshots.handoverDone(TOPIC, 0, 200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    const waiting = snapshots.handoverDone(TOPIC, 0, 5_000);
    setTimeout(() => void snapshots.clearHandover(TOPIC, 0), 100);
    expect(await waiting).toBe(true);
    // The mark of an owner that died while saving goes by itself.
    await snapshots.markHandover(TOPIC, 1, 150);
    expect(await snapshots.handoverDone(TOPIC, 1, 5_000)).toBe(true);
    // A mark is not a saved state.
    await snapshots.markHandover(TOPIC, 2, 10_000);
    expect((await snapshots.summaries(TOPIC)).saved).toEqual([]);
  });

  it('loads the whole with every change after it applied, and tells their sizes', async () => {
    const engine = new ContextEngine();
    engine.ingest(view(0));
    engine.ingest(exampleEvent('order.placed'));
    const whole = await snapshots.save(TOPIC, 0, 10, engine.snapshot());
    engine.ingest(view(1));
    const first = await snapshots.saveChanges(TOPIC, 0, 10, 11, engine.changes());
    engine.ingest(view(2));
    engine.ingest(exampleEvent('payment.succeeded'));
    const second = await snapshots.saveChanges(TOPIC, 0, 11, 14, engine.changes());

    const loaded = (await snapshots.load(TOPIC, 0))!;
    expect(loaded.offset).toBe(14);
    expect(loaded.size).toEqual({ whole, changes: first! + second!, count: 2 });
    expect(normalized(loaded.state)).toBe(normalized(engine.snapshot()));
    expect(loaded.state.facts.map((f) => f.key)).toEqual(
      expect.arrayContaining(['https://shop.example.com\u0000view-2']),
    );
  });

  it('refuses changes that do not follow the saved state, and keeps that state', async () => {
    const engine = new ContextEngine();
    engine.snapshot();
    engine.ingest(view(0));
    // Nothing saved yet: there is nothing for changes to follow.
    expect(await snapshots.saveChanges(TOPIC, 1, -1, 3, engine.changes())).toBeUndefined();
    expect(await redis.exists(`${prefix}:engine:snapshot:${TOPIC}:1`)).toBe(0);
    await snapshots.save(TOPIC, 1, 5, engine.snapshot());
    engine.ingest(view(1));
    // Taken after offset 5's state, but another owner has saved offset 8 meanwhile.
    const other = new ContextEngine();
    other.ingest(view(7));
    await snapshots.save(TOPIC, 1, 8, other.snapshot());
    expect(await snapshots.saveChanges(TOPIC, 1, 5, 9, engine.changes())).toBeUndefined();

    const loaded = (await snapshots.load(TOPIC, 1))!;
    expect(loaded.offset).toBe(8);
    expect(loaded.size?.count).toBe(0);
    expect(normalized(loaded.state)).toBe(normalized(other.snapshot()));
  });

  it('never saves an older whole over a newer state; a newer whole drops the changes before it', async () => {
    const engine = new ContextEngine();
    engine.ingest(view(0));
    await snapshots.save(TOPIC, 2, 5, engine.snapshot());
    engine.ingest(view(1));
    await snapshots.saveChanges(TOPIC, 2, 5, 6, engine.changes());
    expect(await snapshots.save(TOPIC, 2, 6, engine.snapshot())).toBeUndefined();
    expect(await snapshots.save(TOPIC, 2, 4, engine.snapshot())).toBeUndefined();
    expect((await snapshots.load(TOPIC, 2))!.size?.count).toBe(1);

    engine.ingest(view(2));
    expect(await snapshots.save(TOPIC, 2, 7, engine.snapshot())).toBeGreaterThan(0);
    const loaded = (await snapshots.load(TOPIC, 2))!;
    expect(loaded).toMatchObject({ offset: 7, size: { changes: 0, count: 0 } });
    expect(await redis.hkeys(`${prefix}:engine:snapshot:${TOPIC}:2`)).toEqual(
      expect.not.arrayContaining(['changes:1']),
    );
    expect(normalized(loaded.state)).toBe(normalized(engine.snapshot()));
  });

  it('writes a whole state in parts of a bounded size, and reads it back whole', async () => {
    // Two items to a part: facts, orders and seen events each come in several.
    const small = new EngineSnapshots(redis, prefix, 2);
    const options = { lookbackMs: 60_000, sessionTimeoutMs: 60_000, orderRetentionMs: 3_600_000 };
    const engine = new ContextEngine(options);
    for (let minute = 0; minute < 7; minute++) engine.ingest(view(minute));
    for (const id of ['o-1', 'o-2', 'o-3'])
      engine.ingest(
        exampleEvent('order.placed', {
          id,
          time: '2026-04-01T10:03:00Z',
          data: { ...exampleEvent('order.placed').data, orderId: id },
        }),
      );
    // Far later: the early page views leave the indexes, their events stay seen.
    engine.ingest(view(30));
    const state = engine.snapshot();
    expect(state.seen.length).toBeGreaterThan(2);
    expect(state.orders.length).toBe(3);

    const bytes = await small.save(TOPIC, 4, 20, state);
    const key = `${prefix}:engine:snapshot:${TOPIC}:4`;
    const fields = await redis.hkeys(key);
    for (const list of ['facts', 'orders', 'seen'])
      expect(fields.filter((f) => f.startsWith(`${list}:`)).length).toBeGreaterThan(1);
    const loaded = (await small.load(TOPIC, 4))!;
    expect(loaded.size).toEqual({ whole: bytes, changes: 0, count: 0 });
    expect(normalized(loaded.state)).toBe(normalized(state));
    // The staging hash is gone once the state is in place, and after a refused save too.
    expect(await redis.keys(`${key}:saving:*`)).toEqual([]);
    expect(await small.save(TOPIC, 4, 19, state)).toBeUndefined();
    expect(await redis.keys(`${key}:saving:*`)).toEqual([]);
    expect(await redis.ttl(key)).toBe(-1);
  });

  it('reads a state an earlier version saved in one piece, and follows it only with a whole', async () => {
    // An earlier version saves `offset` and `state`, with HSET over whatever is there: here
    // over a state of this version with changes after it (a rolling upgrade, the partition
    // moving back and forth).
    const key = `${prefix}:engine:snapshot:${TOPIC}:3`;
    const ours = new ContextEngine();
    ours.ingest(view(0));
    await snapshots.save(TOPIC, 3, 10, ours.snapshot());
    ours.ingest(view(1));
    await snapshots.saveChanges(TOPIC, 3, 10, 11, ours.changes());
    const earlier = new ContextEngine();
    for (const minute of [0, 1, 2]) earlier.ingest(view(minute));
    const state = earlier.snapshot();
    await redis.hset(key, { offset: 12, state: JSON.stringify(state) });

    const loaded = (await snapshots.load(TOPIC, 3))!;
    expect(loaded.offset).toBe(12);
    expect(loaded.size).toBeUndefined();
    expect(normalized(loaded.state)).toBe(normalized(state));
    // Changes never follow it (an earlier version would read the piece and skip them) …
    earlier.ingest(view(3));
    expect(await snapshots.saveChanges(TOPIC, 3, 12, 13, earlier.changes())).toBeUndefined();
    // … a whole replaces it, and leaves no `state` an earlier version would take as current.
    expect(await snapshots.save(TOPIC, 3, 13, earlier.snapshot())).toBeGreaterThan(0);
    expect(await redis.hget(key, 'state')).toBeNull();
    expect((await snapshots.load(TOPIC, 3))!).toMatchObject({ offset: 13, size: { count: 0 } });
  });

  it('sums up what each partition holds, for operators, without reading the state', async () => {
    const inParts = new EngineSnapshots(redis, prefix, 2);
    const engine = new ContextEngine();
    for (const minute of [0, 1, 2, 3, 4]) engine.ingest(view(minute));
    const whole = await inParts.save(TOPIC, 10, 50, engine.snapshot());
    engine.ingest(view(5));
    const change = await inParts.saveChanges(TOPIC, 10, 50, 51, engine.changes());
    // Partition 2 in one piece (an earlier version); an interrupted save's staging hash; and
    // another topic, which is not listed.
    const piece = JSON.stringify(new ContextEngine().snapshot());
    await redis.hset(`${prefix}:engine:snapshot:${TOPIC}:2`, { offset: 7, state: piece });
    await redis.hset(`${prefix}:engine:snapshot:${TOPIC}:10:saving:x`, { whole: '{}' });
    await inParts.save(`${TOPIC}-other`, 0, 1, engine.snapshot());

    const { saved, staging } = await inParts.summaries(TOPIC);
    expect(staging).toBe(1);
    expect(saved).toEqual([
      {
        partition: 2,
        offset: 7,
        form: 'one piece',
        wholeBytes: piece.length,
        parts: 1,
        changes: 0,
        changeBytes: 0,
      },
      {
        partition: 10,
        offset: 51,
        form: 'parts',
        wholeBytes: whole,
        // Five facts at two a part; no order, and no seen event that is not a fact's own.
        parts: 3,
        changes: 1,
        changeBytes: change,
      },
    ]);
  });
});
