import type { Producer } from 'kafkajs';
import type { ContextOptions } from '@ctxb/context';
import type { CloudEvent } from '@ctxb/events';
import type { JourneyDirectory } from './journey-directory';
import { journeyRoute } from './journey-route';

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
  constructor(
    private readonly directory: JourneyDirectory,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: Pick<ContextOptions, 'placeholderIds'>,
  ) {}

  async route(events: readonly CloudEvent[]): Promise<RoutedCounts> {
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
    const messages = (await Promise.all(pending)).flat();
    if (messages.length > 0) {
      await this.producer.send({ topic: this.topic, acks: -1, messages });
    }
    counts.forwarded = messages.length;
    await this.directory.releaseParked(placed);
    return counts;
  }
}
