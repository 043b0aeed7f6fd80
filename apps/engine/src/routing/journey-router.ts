import type { Message, Producer } from 'kafkajs';
import type { ContextOptions } from '@ctxb/context';
import { timestampMs, type CloudEvent } from '@ctxb/events';
import { journeyCommandMessages, journeyWrites, packJourneyMessages } from '@ctxb/streaming';
import type { JourneyDirectory } from './journey-directory';
import { journeyRoute } from './journey-route';

/** An event to route, with its record value when that is the whole event as JSON. */
export interface RoutableEvent {
  event: CloudEvent;
  value?: Buffer;
}

/** A source partition of the intake and how far it has got. */
export interface SourceProgress {
  topic: string;
  partition: number;
  /** The offset reading goes on from. */
  position: number;
  /** Nothing more waiting in it right now. */
  caughtUp: boolean;
}

/** The current end offsets of source partitions, by `topic:partition` (one look at Kafka). */
export type SourceEnds = (
  sources: readonly { topic: string; partition: number }[],
) => Promise<Map<string, number>>;

export interface RoutedCounts {
  forwarded: number;
  parked: number;
  released: number;
  skipped: number;
}

/**
 * Stage one of the engine: re-keys events by journey onto the journey topic, so that every
 * event of one journey — browser behaviour, the order, and what payment, warehouse and ERP
 * report about it — is consumed, in order, by the one engine instance that owns the journey.
 * At least once: a retried batch forwards again and the engine drops the repeats.
 */
export class JourneyRouter {
  /** Newest event time forwarded per source partition (`topic:partition`). */
  private readonly sourceTimes = new Map<string, number>();
  /**
   * Idle sources a look at Kafka found with nothing unread, and the newest event time that
   * look was for: until a batch moves time the lateness bound past it, they are not looked at
   * again (else a source quiet for longer than the bound cost a look with every batch).
   */
  private readonly idleThrough = new Map<string, number>();
  /** Sources that reported a batch since the last assignment: their news is newer. */
  private readonly reported = new Set<string>();
  /** What the engines were last told of each source this instance reads. */
  private readonly sources = new Map<string, SourceProgress>();
  /** The writes to the journey topic, one after another (see send). */
  private sending: Promise<unknown> = Promise.resolve();
  /** Batches begun so far: a batch's number is this count when it began. */
  private begun = 0;
  /** The latest look at Kafka: the batches begun before it, the sources, their ends. */
  private lastLook?: {
    after: number;
    pending: boolean;
    sources: Set<string>;
    ends: Promise<Map<string, number>>;
  };
  private journeyPartitions = 1;

  /**
   * `ends` lets the router look again at sources it reported idle before a batch moves time
   * on past them (without it, an idle report stands until that source's next batch).
   */
  constructor(
    private readonly directory: JourneyDirectory,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: Pick<ContextOptions, 'placeholderIds' | 'latenessMs'>,
    private readonly ends?: SourceEnds,
  ) {}

  /** A rebalance began: what batches reported before it is no longer known to be current. */
  newAssignment(): void {
    this.reported.clear();
    this.sources.clear();
    this.idleThrough.clear();
  }

  /**
   * How many partitions the journey topic has: progress goes to each of them, and events are
   * packed for the partition their journey key hashes to. Needed before the first route.
   */
  useJourneyPartitions(count: number): void {
    this.journeyPartitions = Math.max(1, count);
  }

  /**
   * Tells every engine partition which sources this instance now reads and whether each is
   * caught up, so the engines' clocks wait for the busy ones.
   */
  async register(sources: readonly SourceProgress[]): Promise<void> {
    const fresh = sources.filter((s) => !this.reported.has(`${s.topic}:${s.partition}`));
    for (const s of fresh) this.sources.set(`${s.topic}:${s.partition}`, s);
    const messages = fresh.flatMap((s) => this.progress(s));
    if (messages.length > 0) await this.send(messages);
  }

  /**
   * Routes one batch of a source partition, then reports that source's progress to every
   * engine partition (after the batch's events, in the same write). An event's record value
   * is forwarded as it came when it is the whole event (structured mode), else re-encoded.
   */
  async route(events: readonly RoutableEvent[], source?: SourceProgress): Promise<RoutedCounts> {
    const batch = ++this.begun;
    const counts: RoutedCounts = { forwarded: 0, parked: 0, released: 0, skipped: 0 };
    const placed: string[] = [];
    // Directory calls are issued in event order on one connection, so Redis runs them in
    // that order: a placement earlier in the batch is seen by the events after it.
    const routed: (Message[] | Promise<Message[]>)[] = [];
    for (const { event, value: bytes } of events) {
      const route = journeyRoute(event, this.options);
      if (route.kind === 'skip') {
        counts.skipped++;
        continue;
      }
      const value = bytes ?? JSON.stringify(event);
      if (route.kind === 'journey') routed.push([{ key: route.key, value }]);
      else if (route.kind === 'placement') routed.push(this.place(route, value, counts, placed));
      else routed.push(this.toOrder(route.orderIds, value, counts));
    }
    // In event order: all directory calls are under way already.
    const messages: Message[] = [];
    for (const slot of routed) messages.push(...(Array.isArray(slot) ? slot : await slot));
    counts.forwarded = messages.length;
    if (source) {
      const name = `${source.topic}:${source.partition}`;
      this.reported.add(name);
      let newest = this.sourceTimes.get(name) ?? Number.NEGATIVE_INFINITY;
      for (const { event } of events) newest = Math.max(newest, timestampMs(event.time));
      const behind = this.idleSourcesBehind(name, newest);
      const ends = behind.length > 0 ? await this.look(behind, batch) : undefined;
      // Nothing waits from here to send(): what is reported about each source goes out in
      // the order it is decided (an async step in between let a source's own idle report
      // overtake a busy one decided about it, and the busy one held the clocks for good).
      // Told first, so that in every engine partition they come before this batch's events.
      if (ends) messages.unshift(...this.busyAgain(behind, ends, newest));
      if (Number.isFinite(newest)) this.sourceTimes.set(name, newest);
      // Its own report is newer than any look at it.
      this.idleThrough.delete(name);
      this.sources.set(name, source);
      messages.push(...this.progress(source));
    }
    if (messages.length > 0) await this.send(messages);
    await this.directory.releaseParked(placed);
    return counts;
  }

  /** An order placed: where its journey is, with the events parked for it until now. */
  private async place(
    route: { orderId: string; key: string },
    value: string | Buffer,
    counts: RoutedCounts,
    placed: string[],
  ): Promise<Message[]> {
    const { key, parked } = await this.directory.placeOrder(route.orderId, route.key);
    placed.push(route.orderId);
    counts.released += parked.length;
    return [{ key, value }, ...parked.map((p) => ({ key, value: p }))];
  }

  /** An event about orders: to each order's journey, or parked until the order is placed. */
  private async toOrder(
    orderIds: readonly string[],
    value: string | Buffer,
    counts: RoutedCounts,
  ): Promise<Message[]> {
    const keys = await Promise.all(
      orderIds.map((orderId) => this.directory.routeOrPark(orderId, value)),
    );
    const found = [...new Set(keys.filter((k): k is string => k !== undefined))];
    counts.parked += keys.length - keys.filter((k) => k !== undefined).length;
    return found.map((key) => ({ key, value }));
  }

  /**
   * Sources reported idle stop holding the engines' clocks back; but one may have received
   * events since, not read yet. Before a batch moves time more than the lateness bound past
   * such a source, the router looks at Kafka (see busyAgain): a source with records beyond
   * its position is reported busy again, so its events are not made late by the other
   * sources' progress (after a quiet spell, all topics filling at once, one of them read first).
   */
  private idleSourcesBehind(batchSource: string, newest: number): SourceProgress[] {
    if (!this.ends || !Number.isFinite(newest)) return [];
    return [...this.sources.entries()]
      .filter(
        ([name, s]) =>
          name !== batchSource &&
          s.caughtUp &&
          Math.max(
            this.sourceTimes.get(name) ?? Number.NEGATIVE_INFINITY,
            this.idleThrough.get(name) ?? Number.NEGATIVE_INFINITY,
          ) +
            this.options.latenessMs <
            newest,
      )
      .map(([, s]) => s);
  }

  /**
   * The end offsets of `behind` for batch number `batch`. Batches routed at once (one fetch
   * brings several) share one look at Kafka, which covers every source reported idle: a look
   * still under way, or one begun after this batch began. (Records written to an idle source
   * between the start of a shared look and this batch are missed, as records written during
   * a look of its own would be; they are at most one look's time late.)
   */
  private look(behind: readonly SourceProgress[], batch: number): Promise<Map<string, number>> {
    const last = this.lastLook;
    if (
      last &&
      (last.pending || last.after >= batch) &&
      behind.every(({ topic, partition }) => last.sources.has(`${topic}:${partition}`))
    )
      return last.ends;
    const idle = new Map<string, { topic: string; partition: number }>();
    for (const s of [...this.sources.values(), ...behind])
      if (s.caughtUp) idle.set(`${s.topic}:${s.partition}`, s);
    const look = {
      after: this.begun,
      pending: true,
      sources: new Set(idle.keys()),
      ends: this.ends!([...idle.values()]),
    };
    const settled = () => {
      look.pending = false;
    };
    look.ends.then(settled, settled);
    this.lastLook = look;
    return look.ends;
  }

  /**
   * The busy reports for sources Kafka holds more of than they have been read to. Looked at
   * again now, after the look at Kafka: a batch of that source may have been routed
   * meanwhile. The others stay idle through `newest`, the time looked for. The caller sends
   * the reports without waiting in between.
   */
  private busyAgain(
    behind: readonly SourceProgress[],
    ends: Map<string, number>,
    newest: number,
  ): Message[] {
    return behind.flatMap(({ topic, partition }) => {
      const name = `${topic}:${partition}`;
      const now = this.sources.get(name);
      if (!now?.caughtUp) return [];
      if ((ends.get(name) ?? 0) <= now.position) {
        this.idleThrough.set(name, Math.max(newest, this.idleThrough.get(name) ?? newest));
        return [];
      }
      this.idleThrough.delete(name);
      const busy = { ...now, caughtUp: false };
      this.sources.set(name, busy);
      return this.progress(busy);
    });
  }

  /**
   * Writes to the journey topic in the order the writes were decided. Batches of several
   * source partitions are routed at once; were their writes to overtake each other, a busy
   * report about a source could land after that source's own, later idle one and hold the
   * engines' clocks for good. Events go in packs, one per journey partition (see
   * packJourneyMessages); a large batch takes several writes (see journeyWrites).
   */
  private send(messages: Message[]): Promise<void> {
    const writes = journeyWrites(packJourneyMessages(messages, this.journeyPartitions));
    const sent = this.sending.then(async () => {
      for (const records of writes)
        await this.producer.send({ topic: this.topic, acks: -1, messages: records });
    });
    this.sending = sent.catch(() => undefined);
    return sent.then(() => undefined);
  }

  private progress(source: SourceProgress): Message[] {
    const name = `${source.topic}:${source.partition}`;
    return journeyCommandMessages(
      'progress',
      { source: name, time: this.sourceTimes.get(name) ?? null, idle: source.caughtUp },
      this.journeyPartitions,
    );
  }
}
