import { hash } from 'node:crypto';
import { Heap } from 'heap-js';
import type { CloudEvent } from '@ctxb/events';
import { contextOptions, type ContextOptions } from './context-options';
import {
  buildContextRecord,
  buildJourneyContext,
  type ContextRecord,
  type JourneyContext,
} from './context-record';
import { contextReferenceId } from './context-reference';
import { CorrelationIndex } from './correlations';
import { toFact, type Fact } from './facts';
import { SeenEvents, stillSeenAfter } from './seen-events';
import { pairKey, resolveCustomer, type CustomerIdentity, type LinkIndex } from './identity';

/** An event the engine keeps out of every context, with the reason (for the dead-letter topic). */
export interface ExpiredEvent {
  event: CloudEvent;
  reason: string;
}

export interface EngineOutput {
  records: ContextRecord[];
  expired: ExpiredEvent[];
}

interface OrderState {
  placed?: Fact;
  facts: Fact[];
  /** Event times at which this order's context changes and a version is due. */
  pending: Set<number>;
  version: number;
  /** asOf of the last emitted version. */
  horizon: number;
  /** Hash of the last emitted record without version/asOf, to emit only real changes. */
  content?: string;
  /** The journey part as last computed, kept once the journey's events have left memory. */
  journey?: JourneyContext;
  /**
   * The earliest event time the journey was computed from (behaviour and identity links; +∞
   * for none). While that is still in memory, computing the journey again loses nothing.
   * Unknown (a snapshot from before it was kept): the journey is kept as it is.
   */
  journeyFrom?: number;
  /** What the journey was computed from (identity and behaviour count); unchanged, it is reused. */
  journeyInputs?: string;
  /** Hash of the journey part, the journey's share of `content`. */
  journeyHash?: string;
  /** The order's contextReferenceId, once computed. */
  reference?: string;
}

/** One order of a snapshot; its facts by key. */
export interface OrderEntry {
  orderId: string;
  placed: string | null;
  facts: string[];
  pending: number[];
  version: number;
  horizon: number | null;
  content: string | null;
  journey: JourneyContext | null;
  /** See OrderState.journeyFrom; null for +∞, absent when unknown. */
  journeyFrom?: number | null;
}

/** The parts of the engine state that are small and saved whole, in a snapshot and in changes. */
export interface EngineClock {
  newest: number | null;
  behaviourKeptFrom: number | null;
  ordersKeptFrom: number | null;
  unmerged: string[];
  sources: { source: string; time: number | null; idle: boolean }[];
}

/** The engine state as JSON-safe data (see ContextEngine.snapshot). */
export interface EngineSnapshot extends EngineClock {
  format: 1;
  /**
   * Events seen, as `[source NUL id, time]`, that are not among `facts` (a fact's own key
   * and time count as seen while its time is not before `ordersKeptFrom`'s minute).
   * Snapshots that list every seen event read the same.
   */
  seen: [string, number][];
  facts: Fact[];
  orders: OrderEntry[];
}

/**
 * What changed since the state was last taken (see ContextEngine.changes): the facts folded
 * in since, the orders changed or gone since, and the small parts whole. `applyChanges` turns
 * a snapshot and the changes after it into the snapshot of the later state.
 */
export interface EngineChanges extends EngineClock {
  format: 1;
  facts: Fact[];
  orders: OrderEntry[];
  removed: string[];
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
/** Whether the behaviour or link indexes hold the fact (see remember). */
const indexed = (fact: Fact): boolean =>
  (fact.web && (!!fact.device || !!fact.customer)) || !!fact.link;

class MultiIndex<T> {
  private readonly map = new Map<string, T[]>();
  forEach(visit: (value: T) => void): void {
    for (const list of this.map.values()) list.forEach(visit);
  }
  get(key: string): readonly T[] {
    return this.map.get(key) ?? [];
  }
  add(key: string, value: T): void {
    const list = this.map.get(key);
    if (list) list.push(value);
    else this.map.set(key, [value]);
  }
  /** Keeps only the values `keep` accepts; lists are compacted in place. */
  prune(keep: (value: T) => boolean): void {
    for (const [key, list] of this.map) {
      let kept = 0;
      for (const value of list) if (keep(value)) list[kept++] = value;
      if (kept === 0) this.map.delete(key);
      else list.length = kept;
    }
  }
  get size(): number {
    return this.map.size;
  }
}

/**
 * The context engine over one shard of journeys: events in (any order, duplicates allowed),
 * versioned context records out. Pure and deterministic: no clock, no I/O, no randomness;
 * time is event time and progress is a watermark (newest event time − lateness bound).
 *
 * A context version is due at each event time that changes an order (placement, payment,
 * shipment, invoice, identity link …) and is emitted, computed from everything up to that
 * time, once the watermark has passed it. Events reordered within the lateness bound are
 * therefore always in place before the version that needs them, and give the same records as
 * in-order delivery. A later event still counts: it yields a new version of what was emitted.
 */
export class ContextEngine {
  readonly options: ContextOptions;
  private seen = new SeenEvents();
  private readonly webByDevice = new MultiIndex<Fact>();
  private readonly webByCustomer = new MultiIndex<Fact>();
  private readonly linksByDevice = new MultiIndex<Fact>();
  private readonly linksByCustomer = new MultiIndex<Fact>();
  private readonly ordersByDevice = new MultiIndex<string>();
  private readonly ordersByCustomer = new MultiIndex<string>();
  private readonly orders = new Map<string, OrderState>();
  private readonly unmerged = new Set<string>();
  readonly correlations = new CorrelationIndex();
  private newest = Number.NEGATIVE_INFINITY;
  /** Behaviour and identity links before this time have left memory. */
  private behaviourKeptFrom = Number.NEGATIVE_INFINITY;
  /** Orders placed before this time have left memory. */
  private ordersKeptFrom = Number.NEGATIVE_INFINITY;
  /** The earliest event time in the behaviour and link indexes (a sweep finding none older skips them). */
  private oldestIndexed = Number.POSITIVE_INFINITY;
  /** Due versions as (event time, order id), earliest first; stale entries are skipped. */
  private readonly due = new DueQueue();
  /** What changed since the state was last taken; kept only once it has been taken. */
  private since: { facts: Fact[]; orders: Set<string>; removed: Set<string> } | undefined;

  /** One copy of each repeated string (ids, paths) held by facts; started anew when facts leave. */
  private pool = new Map<string, string>();
  private readonly intern = (value: string): string => {
    const shared = this.pool.get(value);
    if (shared !== undefined) return shared;
    this.pool.set(value, value);
    return value;
  };

  private readonly links: LinkIndex = {
    byCustomer: (id) => this.linksByCustomer.get(id),
    byDevice: (id) => this.linksByDevice.get(id),
  };

  constructor(options: Partial<ContextOptions> = {}) {
    this.options = contextOptions(options);
  }

  /**
   * Progress of each source (e.g. a Kafka partition the events came from): its newest event
   * time and whether it has nothing more to read. When sources report, the watermark does not
   * pass the slowest busy source, so a topic read ahead of another cannot make the other's
   * events late.
   */
  private readonly sources = new Map<string, { time: number; idle: boolean }>();
  /** min(newest, slowest busy source), kept current on every change. */
  private clock = Number.NEGATIVE_INFINITY;

  /** Event time every version due before it is emitted at: the clock minus the lateness bound. */
  get watermark(): number {
    return this.clock - this.options.latenessMs;
  }

  /**
   * A source says how far it has got (`time`: its newest event time, or null if none yet) and
   * whether it is idle (caught up). Emits what becomes due.
   */
  progress(source: string, time: number | null, idle: boolean): ContextRecord[] {
    const previous = this.sources.get(source);
    this.sources.set(source, {
      time: Math.max(previous?.time ?? Number.NEGATIVE_INFINITY, time ?? Number.NEGATIVE_INFINITY),
      idle,
    });
    this.tick();
    return this.flush(false);
  }

  private tick(): void {
    let clock = this.newest;
    for (const s of this.sources.values()) if (!s.idle) clock = Math.min(clock, s.time);
    this.clock = clock;
  }

  ingest(event: CloudEvent): EngineOutput {
    if (this.seen.has(event.source, event.id)) return NOTHING;
    const fact = toFact(event, this.options, this.intern);
    if (!fact || Number.isNaN(fact.at)) return NOTHING;
    const keptFrom = fact.orders && !fact.link ? this.ordersKeptFrom : this.behaviourKeptFrom;
    if (fact.at < keptFrom) {
      const reason = `event time ${event.time} is before ${new Date(keptFrom).toISOString()}, the oldest the engine still keeps for ${fact.type}`;
      return { records: NONE, expired: [{ event, reason }] };
    }
    this.seen.add(event.source, event.id, fact.at);
    this.since?.facts.push(fact);
    this.remember(fact);
    if (fact.at > this.newest) {
      this.newest = fact.at;
      this.tick();
    }
    const records = this.flush(false);
    return records === NONE ? NOTHING : { records, expired: NONE };
  }

  /** Emits every due version regardless of the watermark (end of input, shutdown). */
  drain(): ContextRecord[] {
    return this.flush(true);
  }

  /**
   * Separates an anonymous id from a customer for good (a wrong merge) and re-emits every
   * context that changes because of it, as new versions.
   */
  unmerge(anonymousId: string, customerId: string): ContextRecord[] {
    this.unmerged.add(pairKey(anonymousId, customerId));
    for (const orderId of [
      ...this.ordersByCustomer.get(customerId),
      ...this.ordersByDevice.get(anonymousId),
    ]) {
      const order = this.orders.get(orderId)!;
      order.journey = undefined;
      this.changed(orderId, order.horizon);
    }
    return this.flush(true);
  }

  /**
   * The whole state as plain JSON-safe data. Restoring it and going on gives exactly what an
   * uninterrupted engine gives: the engine app stores it with the consumed offset.
   */
  snapshot(): EngineSnapshot {
    const facts = new Map<string, Fact>();
    const collect = (f: Fact) => facts.set(f.key, f);
    this.webByDevice.forEach(collect);
    this.webByCustomer.forEach(collect);
    this.linksByDevice.forEach(collect);
    this.linksByCustomer.forEach(collect);
    for (const order of this.orders.values()) order.facts.forEach(collect);
    this.mark();
    return {
      format: 1,
      ...this.clockState(),
      seen: this.seen.entries((key) => !facts.has(key)),
      facts: [...facts.values()],
      orders: [...this.orders].map(([orderId, o]) => orderEntry(orderId, o)),
    };
  }

  /**
   * What changed since the state was last taken (by `snapshot`, `changes` or `restore`), and
   * from now on what changes after this. `applyChanges(taken, changes)` is then the snapshot
   * of this state. An engine whose state was never taken has no changes to give.
   */
  changes(): EngineChanges {
    const since = this.since;
    if (!since) throw new Error('the engine state was never taken: take a snapshot first');
    const orders: OrderEntry[] = [];
    for (const orderId of since.orders) {
      const order = this.orders.get(orderId);
      if (order) orders.push(orderEntry(orderId, order));
    }
    this.mark();
    return {
      format: 1,
      ...this.clockState(),
      facts: since.facts,
      orders,
      removed: [...since.removed].filter((orderId) => !this.orders.has(orderId)),
    };
  }

  private mark(): void {
    this.since = { facts: [], orders: new Set(), removed: new Set() };
  }

  private clockState(): EngineClock {
    return {
      newest: finite(this.newest),
      behaviourKeptFrom: finite(this.behaviourKeptFrom),
      ordersKeptFrom: finite(this.ordersKeptFrom),
      unmerged: [...this.unmerged],
      sources: [...this.sources].map(([source, s]) => ({
        source,
        time: finite(s.time),
        idle: s.idle,
      })),
    };
  }

  static restore(snapshot: EngineSnapshot, options: Partial<ContextOptions> = {}): ContextEngine {
    if (snapshot.format !== 1)
      throw new Error(`unknown engine snapshot format ${String(snapshot.format)}`);
    const engine = new ContextEngine(options);
    engine.newest = snapshot.newest ?? Number.NEGATIVE_INFINITY;
    engine.behaviourKeptFrom = snapshot.behaviourKeptFrom ?? Number.NEGATIVE_INFINITY;
    engine.ordersKeptFrom = snapshot.ordersKeptFrom ?? Number.NEGATIVE_INFINITY;
    snapshot.unmerged.forEach((pair) => engine.unmerged.add(pair));
    for (const s of snapshot.sources)
      engine.sources.set(s.source, { time: s.time ?? Number.NEGATIVE_INFINITY, idle: s.idle });
    engine.tick();
    engine.seen = SeenEvents.fromEntries(snapshot.seen);
    // A fact's own event is seen unless SeenEvents let it go (evict forgets before
    // ordersKeptFrom).
    for (const fact of snapshot.facts)
      if (stillSeenAfter(fact.at, snapshot.ordersKeptFrom)) engine.seen.addKey(fact.key, fact.at);
    const facts = new Map(snapshot.facts.map((f) => [f.key, f]));
    for (const fact of snapshot.facts) {
      if (fact.at < engine.behaviourKeptFrom) continue;
      if (indexed(fact)) engine.oldestIndexed = Math.min(engine.oldestIndexed, fact.at);
      if (fact.web) {
        if (fact.device) engine.webByDevice.add(fact.device, fact);
        if (fact.customer) engine.webByCustomer.add(fact.customer, fact);
      }
      if (fact.link) {
        engine.linksByDevice.add(fact.link.device, fact);
        engine.linksByCustomer.add(fact.link.customer, fact);
      }
    }
    for (const o of snapshot.orders) {
      const order: OrderState = {
        placed: o.placed ? facts.get(o.placed) : undefined,
        facts: o.facts.map((key) => facts.get(key)!),
        pending: new Set(),
        version: o.version,
        horizon: o.horizon ?? Number.NEGATIVE_INFINITY,
        content: o.content ?? undefined,
        journey: o.journey ?? undefined,
        journeyFrom:
          o.journeyFrom === undefined ? undefined : (o.journeyFrom ?? Number.POSITIVE_INFINITY),
      };
      engine.orders.set(o.orderId, order);
      if (order.placed?.device) engine.ordersByDevice.add(order.placed.device, o.orderId);
      if (order.placed?.customer) engine.ordersByCustomer.add(order.placed.customer, o.orderId);
      for (const at of o.pending) engine.due.push(order, o.orderId, at);
    }
    const live = (orderId: string) => engine.orders.has(orderId);
    for (const fact of facts.values()) if (fact.orders) engine.correlations.add(fact, live);
    engine.mark();
    return engine;
  }

  /** Sizes of the state, for metrics and the memory benchmark. */
  stats(): { events: number; orders: number; devices: number; customers: number } {
    return {
      events: this.seen.size,
      orders: this.orders.size,
      devices: this.webByDevice.size,
      customers: this.webByCustomer.size,
    };
  }

  private remember(fact: Fact): void {
    this.correlations.add(fact);
    if (indexed(fact)) this.oldestIndexed = Math.min(this.oldestIndexed, fact.at);
    if (fact.link) {
      this.linksByDevice.add(fact.link.device, fact);
      this.linksByCustomer.add(fact.link.customer, fact);
      for (const link of this.linksByDevice.get(fact.link.device)) {
        for (const orderId of this.ordersByCustomer.get(link.link!.customer)) {
          this.changed(orderId, fact.at);
        }
      }
      for (const orderId of this.ordersByDevice.get(fact.link.device))
        this.changed(orderId, fact.at);
    }
    if (fact.web) {
      if (fact.device) this.webByDevice.add(fact.device, fact);
      if (fact.customer) this.webByCustomer.add(fact.customer, fact);
      this.lateBehaviour(fact);
    }
    for (const orderId of fact.orders ?? []) {
      const order = this.order(orderId);
      order.facts.push(fact);
      if (fact.type === 'order.placed' && !order.placed) this.placed(orderId, order, fact);
      else this.changed(orderId, fact.at);
    }
  }

  private placed(orderId: string, order: OrderState, fact: Fact): void {
    order.placed = fact;
    if (fact.device) this.ordersByDevice.add(fact.device, orderId);
    if (fact.customer) this.ordersByCustomer.add(fact.customer, orderId);
    this.due.push(order, orderId, fact.at);
    // Whatever arrived before the placement still marks its own point in time.
    for (const other of order.facts)
      if (other.at > fact.at) this.due.push(order, orderId, other.at);
    const links = [
      ...(fact.customer ? this.linksByCustomer.get(fact.customer) : []),
      ...(fact.device ? this.linksByDevice.get(fact.device) : []),
    ];
    for (const link of links) if (link.at > fact.at) this.due.push(order, orderId, link.at);
  }

  /** Behaviour arriving after a version that should have contained it: a new version. */
  private lateBehaviour(fact: Fact): void {
    // Visiting an order twice is harmless (a due time is queued once); most facts have none.
    if (fact.device) {
      for (const orderId of this.ordersByDevice.get(fact.device)) this.lateFor(orderId, fact);
      for (const link of this.linksByDevice.get(fact.device))
        for (const orderId of this.ordersByCustomer.get(link.link!.customer))
          this.lateFor(orderId, fact);
    }
    if (fact.customer)
      for (const orderId of this.ordersByCustomer.get(fact.customer)) this.lateFor(orderId, fact);
  }

  private lateFor(orderId: string, fact: Fact): void {
    const order = this.orders.get(orderId)!;
    if (order.version > 0 && order.placed && fact.at <= order.placed.at)
      this.changed(orderId, fact.at);
  }

  /** An order about to change (created if new). */
  private order(orderId: string): OrderState {
    this.since?.orders.add(orderId);
    let order = this.orders.get(orderId);
    if (!order) {
      order = { facts: [], pending: new Set(), version: 0, horizon: Number.NEGATIVE_INFINITY };
      this.orders.set(orderId, order);
    }
    return order;
  }

  /** Marks a change of an order at event time `at`; a change in the past lands on the last version's time. */
  private changed(orderId: string, at: number): void {
    const order = this.order(orderId);
    if (!order.placed) return; // counted when the placement arrives
    let due = Math.max(at, order.placed.at);
    if (order.version > 0 && due <= order.horizon) due = order.horizon;
    this.due.push(order, orderId, due);
  }

  private flush(all: boolean): ContextRecord[] {
    const limit = all ? Number.POSITIVE_INFINITY : this.watermark;
    let records: ContextRecord[] = NONE;
    for (;;) {
      const next = this.due.popBefore(limit);
      if (!next) break;
      const [at, orderId] = next;
      const order = this.orders.get(orderId);
      if (!order?.pending.delete(at)) continue;
      this.since?.orders.add(orderId);
      const record = this.compute(order, at);
      const content = contentHash(record, order.journeyHash!);
      order.horizon = Math.max(order.horizon, at);
      if (content === order.content) continue;
      order.content = content;
      record.version = ++order.version;
      if (records === NONE) records = [];
      records.push(record);
    }
    if (!all) this.evict();
    return records;
  }

  /** The record as of `asOf`, numbered as the next version (emitted only if it changed). */
  private compute(order: OrderState, asOf: number): ContextRecord {
    const placed = order.placed!;
    // The journey is computed again while nothing it was computed from has left memory: its
    // whole lookback window is kept, or (an order later than the bound) at least everything
    // its journey used. Otherwise the journey as computed last stays.
    const journeyInMemory =
      placed.at - this.options.lookbackMs >= this.behaviourKeptFrom ||
      (order.journeyFrom ?? Number.NEGATIVE_INFINITY) >= this.behaviourKeptFrom;
    if (journeyInMemory || !order.journey) {
      const { identity, facts, from } = this.journeyInputs(placed, asOf);
      // Behaviour in the window only ever grows, so the same identity and the same count
      // mean the same facts: the journey part is reused instead of rebuilt.
      const inputs = `${facts.length}\u0000${JSON.stringify(identity)}`;
      if (inputs !== order.journeyInputs || !order.journey) {
        order.journey = buildJourneyContext(placed, facts, identity, this.options);
        order.journeyInputs = inputs;
        order.journeyFrom = from;
        order.journeyHash = undefined;
      }
    }
    order.journeyHash ??= sha256(JSON.stringify(order.journey));
    order.reference ??= contextReferenceId(placed.orders![0]);
    return buildContextRecord(placed, order.facts, order.journey, asOf, 0, order.reference);
  }

  /**
   * The customer's identity as of `asOf` and the behaviour of the journey's lookback window,
   * with the earliest event time among them and the identity links that could count (+∞ for
   * none).
   */
  private journeyInputs(
    placed: Fact,
    asOf: number,
  ): { identity: CustomerIdentity; facts: Fact[]; from: number } {
    const identity: CustomerIdentity = placed.customer
      ? resolveCustomer(
          placed.customer,
          this.links,
          asOf,
          this.options.maxAnonymousIdsPerCustomer,
          this.unmerged,
        )
      : { anonymousIds: placed.device ? [placed.device] : [], merges: [], refused: [] };
    const from = placed.at - this.options.lookbackMs;
    const facts: Fact[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    const take = (f: Fact) => {
      if (f.at < from || f.at > placed.at) return;
      facts.push(f);
      if (f.at < earliest) earliest = f.at;
    };
    if (placed.customer) for (const f of this.webByCustomer.get(placed.customer)) take(f);
    const devices = new Set(identity.anonymousIds);
    if (!placed.customer && placed.device) devices.add(placed.device);
    // A device's behaviour under the customer's login is in the customer's list already, and
    // under another customer's login it stays with that customer: only logged-out behaviour.
    for (const device of devices)
      for (const f of this.webByDevice.get(device)) if (!f.customer) take(f);
    const sooner = (link: Fact) => {
      if (link.at <= asOf && link.at < earliest) earliest = link.at;
    };
    if (placed.customer) this.linksByCustomer.get(placed.customer).forEach(sooner);
    for (const device of devices) this.linksByDevice.get(device).forEach(sooner);
    return { identity, facts, from: earliest };
  }

  /**
   * Frees what no future version can need: behaviour older than the lookback window (the
   * journeys it formed are kept, computed, with their orders) and orders past retention.
   */
  private evict(): void {
    const behaviourFrom = this.watermark - this.options.lookbackMs - this.options.sessionTimeoutMs;
    // A sweep walks all state, so it runs in steps of a tenth of the lookback window (at least
    // a session timeout): memory stays within 110 % of the window, the cost stays linear.
    const step = Math.max(this.options.sessionTimeoutMs, this.options.lookbackMs / 10);
    if (behaviourFrom <= this.behaviourKeptFrom + step) return;
    const ordersFrom = Math.min(behaviourFrom, this.watermark - this.options.orderRetentionMs);
    let left = false;
    for (const [orderId, order] of this.orders) {
      const at = order.placed?.at ?? order.facts[0]?.at ?? 0;
      if (at < ordersFrom && order.pending.size === 0) {
        this.orders.delete(orderId);
        this.since?.removed.add(orderId);
        this.correlations.forget(orderId);
        left = true;
      }
    }
    if (left) {
      const keepOrder = (orderId: string) => this.orders.has(orderId);
      this.ordersByDevice.prune(keepOrder);
      this.ordersByCustomer.prune(keepOrder);
    }
    // Replays and backfills sweep often (event time runs fast): a sweep with nothing old
    // enough to let go walks nothing.
    if (this.oldestIndexed < behaviourFrom) {
      let oldest = Number.POSITIVE_INFINITY;
      const keepBehaviour = (f: Fact) => {
        if (f.at < behaviourFrom) return false;
        oldest = Math.min(oldest, f.at);
        return true;
      };
      this.webByDevice.prune(keepBehaviour);
      this.webByCustomer.prune(keepBehaviour);
      this.linksByDevice.prune(keepBehaviour);
      this.linksByCustomer.prune(keepBehaviour);
      this.oldestIndexed = oldest;
    }
    this.seen.forgetBefore(ordersFrom);
    this.behaviourKeptFrom = behaviourFrom;
    this.ordersKeptFrom = ordersFrom;
    // Evicted strings must not stay pinned by the pool; kept facts keep their copies, and new
    // facts share one fresh copy per string from here on.
    this.pool = new Map();
  }
}

function orderEntry(orderId: string, o: OrderState): OrderEntry {
  return {
    orderId,
    placed: o.placed?.key ?? null,
    facts: o.facts.map((f) => f.key),
    pending: [...o.pending],
    version: o.version,
    horizon: finite(o.horizon),
    content: o.content ?? null,
    journey: o.journey ?? null,
    ...(o.journeyFrom === undefined ? {} : { journeyFrom: finite(o.journeyFrom) }),
  };
}

const sha256 = (text: string): string => hash('sha256', text, 'base64');

/**
 * What a version says, as a hash: everything but `asOf` (and the version itself). The journey
 * part enters by its own hash, computed once per journey rather than once per version.
 */
function contentHash(record: ContextRecord, journeyHash: string): string {
  return `${sha256(JSON.stringify(OWN_KEYS.map((key) => record[key])))}${journeyHash}`;
}

/** The record's fields outside the journey part, but for asOf and version. */
type OwnKey = Exclude<keyof ContextRecord, keyof JourneyContext | 'asOf' | 'version'>;
// Listed as an object so a field added to ContextRecord fails to compile until it is here.
const OWN_FIELDS: { [K in OwnKey]: true } = {
  contextReferenceId: true,
  order: true,
  state: true,
  correlations: true,
  amounts: true,
  quality: true,
};
const OWN_KEYS = Object.keys(OWN_FIELDS) as OwnKey[];

/** Shared empty results: most events emit nothing, and allocating nothing keeps GC quiet. */
const NONE: never[] = Object.freeze([]) as unknown as never[];
const NOTHING: EngineOutput = Object.freeze({ records: NONE, expired: NONE });

/** Due versions as a min-heap on (event time, order id); each (order, time) queued once. */
class DueQueue {
  private readonly heap = new Heap<[number, string]>(
    (a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0),
  );

  push(order: OrderState, orderId: string, at: number): void {
    if (order.pending.has(at)) return;
    order.pending.add(at);
    this.heap.push([at, orderId]);
  }

  popBefore(limit: number): [number, string] | undefined {
    const top = this.heap.peek();
    return top !== undefined && top[0] < limit ? this.heap.pop() : undefined;
  }
}
