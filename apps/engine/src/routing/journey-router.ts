import type { Message, Producer } from 'kafkajs';
import type { ContextOptions } from '@ctxb/context';
import type { CloudEvent } from '@ctxb/events';
import { journeyCommandMessages } from '@ctxb/streaming';
import type { JourneyDirectory } from './journey-directory';
import { journeyRoute } from './journey-route';

/** A source partition of the intake and how far it has got. */
export interface SourceProgress {
  topic: string;
  partition: number;
  /** Nothing more waiting in it right now. */
  caughtUp: boolean;
}

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
  /** Sources that reported a batch since the last assignment: their news is newer. */
  private readonly reported = new Set<string>();
  private journeyPartitions = 1;

  constructor(
    private readonly directory: JourneyDirectory,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: Pick<ContextOptions, 'placeholderIds'>,
  ) {}

  /** A rebalance began: what batches reported before it is no longer known to be current. */
  newAssignment(): void {
    this.reported.clear();
  }

  /** How many partitions the journey topic has: progress goes to each of them. */
  useJourneyPartitions(count: number): void {
    this.journeyPartitions = Math.max(1, count);
  }

  /**
   * Tells every engine partition which sources this instance now reads and whether each is
   * caught up, so the engines' clocks wait for the busy ones.
   */
  async register(sources: readonly SourceProgress[]): Promise<void> {
    const messages = sources
      .filter((s) => !this.reported.has(`${s.topic}:${s.partition}`))
      .flatMap((s) => this.progress(s));
    if (messages.length > 0) await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  /**
   * Routes one batch of a source partition, then reports that source's progress to every
   * engine partition (after the batch's events, in the same write).
   */
  async route(events: readonly CloudEvent[], source?: SourceProgress): Promise<RoutedCounts> {
    const counts: RoutedCounts = { forwarded: 0, parked: 0, released: 0, skipped: 0 };
    const placed: string[] = [];
    // Directory calls are issued in event order on one connection, so Redis runs them in
    // that order: a placement earlier in the batch is seen by the events after it.
    const pending = events.map(async (event): Promise<{ key: string; value: string }[]> => {
      const route = journeyRoute(event, this.options);
      const value = JSON.stringify(event);
      switch (route.kind) {
        case 'skip':
          counts.skipped++;
          return [];
        case 'journey':
          return [{ key: route.key, value }];
        case 'placement': {
          const { key, parked } = await this.directory.placeOrder(route.orderId, route.key);
          placed.push(route.orderId);
          counts.released += parked.length;
          return [{ key, value }, ...parked.map((p) => ({ key, value: p }))];
        }
        case 'order': {
          const keys = await Promise.all(
            route.orderIds.map((orderId) => this.directory.routeOrPark(orderId, value)),
          );
          const found = [...new Set(keys.filter((k): k is string => k !== undefined))];
          counts.parked += keys.length - keys.filter((k) => k !== undefined).length;
          return found.map((key) => ({ key, value }));
        }
      }
    });
    const routed = (await Promise.all(pending)).flat();
    counts.forwarded = routed.length;
    const messages: Message[] = routed;
    if (source) {
      const name = `${source.topic}:${source.partition}`;
      this.reported.add(name);
      for (const event of events) {
        const at = Date.parse(event.time);
        if (at > (this.sourceTimes.get(name) ?? Number.NEGATIVE_INFINITY))
          this.sourceTimes.set(name, at);
      }
      messages.push(...this.progress(source));
    }
    if (messages.length > 0) {
      await this.producer.send({ topic: this.topic, acks: -1, messages });
    }
    await this.directory.releaseParked(placed);
    return counts;
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
