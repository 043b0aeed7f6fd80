import type Redis from 'ioredis';
import { StartRefusedError } from '@ctxb/streaming';

/** Placements an instance keeps in memory (the oldest forgotten first): about 25 MB at most. */
const KNOWN_PLACEMENTS = 100_000;

/**
 * What the router remembers across events and instances, in Redis: which journey key each
 * order was placed under, and events that arrived for an order before its placement (parked).
 * Each operation is one atomic script, so an event can never park after its order's placement
 * has released the parked ones. A placement never moves (the first one wins), so the ones this
 * instance has seen are also kept in memory: the payments, shipments, invoices and journals
 * that follow an order are routed without a call to Redis.
 */
export class JourneyDirectory {
  /** Order id → the journey key it was placed under, as learned from Redis. */
  private readonly known = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {
    redis.defineCommand('ctxbRouteOrPark', {
      numberOfKeys: 2,
      lua: `local key = redis.call('GET', KEYS[1])
if key then return key end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return false`,
    });
    redis.defineCommand('ctxbPlaceOrder', {
      numberOfKeys: 2,
      lua: `local existing = redis.call('GET', KEYS[1])
if not existing then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  existing = ARGV[1]
end
return {existing, redis.call('LRANGE', KEYS[2], 0, -1)}`,
    });
  }

  private get scripts(): RedisWithScripts {
    return this.redis as unknown as RedisWithScripts;
  }

  /** The journey key of an order, or undefined after parking `event` until the order is placed. */
  async routeOrPark(orderId: string, event: string | Buffer): Promise<string | undefined> {
    const known = this.known.get(orderId);
    if (known !== undefined) return known;
    const key = (await this.scripts.ctxbRouteOrPark(
      this.orderKey(orderId),
      this.parkKey(orderId),
      event,
      this.ttlSeconds,
    )) as string | null;
    if (key !== null) this.remember(orderId, key);
    return key ?? undefined;
  }

  /**
   * Records where an order was placed (the first placement wins, so a replay routes the same
   * way) and returns that key with the events parked for it.
   */
  async placeOrder(orderId: string, key: string): Promise<{ key: string; parked: string[] }> {
    const [placedKey, parked] = (await this.scripts.ctxbPlaceOrder(
      this.orderKey(orderId),
      this.parkKey(orderId),
      key,
      this.ttlSeconds,
    )) as [string, string[]];
    this.remember(orderId, placedKey);
    return { key: placedKey, parked };
  }

  private remember(orderId: string, key: string): void {
    if (this.known.has(orderId)) return;
    if (this.known.size >= KNOWN_PLACEMENTS) this.known.delete(this.known.keys().next().value!);
    this.known.set(orderId, key);
  }

  /**
   * Records the partition count journeys are placed by on `topic` the first time; after that,
   * refuses a different one (JourneyLayoutChanged). Each journey's place, and each partition's
   * saved engine state, follow the count they began with: a journey topic grown since (by
   * hand: the engine never grows it) would split journeys between engines without a word.
   */
  async claimLayout(topic: string, partitions: number): Promise<void> {
    const key = this.layoutKey(topic);
    await this.redis.set(key, String(partitions), 'NX');
    const recorded = Number(await this.redis.get(key));
    if (recorded !== partitions) throw new JourneyLayoutChanged(topic, recorded, partitions, key);
  }

  /** Forgets parked events once they are safely on the journey topic. */
  async releaseParked(orderIds: string[]): Promise<void> {
    if (orderIds.length > 0) await this.redis.del(...orderIds.map((o) => this.parkKey(o)));
  }

  private orderKey(orderId: string): string {
    return `${this.prefix}:route:order:${orderId}`;
  }
  private parkKey(orderId: string): string {
    return `${this.prefix}:route:parked:${orderId}`;
  }
  private layoutKey(topic: string): string {
    return `${this.prefix}:route:layout:${topic}`;
  }
}

/** The journey topic's partition count differs from the one its journeys were placed by. */
export class JourneyLayoutChanged extends StartRefusedError {
  constructor(topic: string, recorded: number, partitions: number, key: string) {
    super(
      `journey topic ${topic} has ${partitions} partitions, but its journeys were placed on ${recorded} ` +
        `(Redis key ${key}), and each partition's saved state follows that count. Routing now ` +
        `would split journeys between engines. Give the engine a new engine.journeyTopic and ` +
        `engine.groupId to rebuild its state from the events, or delete that key to accept ` +
        `the new count knowingly.`,
    );
  }
}

interface RedisWithScripts {
  ctxbRouteOrPark(...args: (string | number | Buffer)[]): Promise<unknown>;
  ctxbPlaceOrder(...args: (string | number)[]): Promise<unknown>;
}
