import { createRedis, deleteKeysWithPrefix } from '@ctxb/streaming';
import {
  JourneyDirectory,
  JourneyLayoutChanged,
} from '../../apps/engine/src/routing/journey-directory';
import { testConfig, uniqueName } from '../support/test-config';

describe('journey directory on Redis: where orders were placed, and what waits for them', () => {
  const config = testConfig();
  const redis = createRedis(config.redis);
  const prefix = uniqueName('it_directory');
  /** A directory as one intake instance holds it; two of them share Redis. */
  const instance = () => new JourneyDirectory(redis, prefix, 3600);
  const routeKey = (orderId: string) => `${prefix}:route:order:${orderId}`;

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('parks what comes before the placement and hands it over with it', async () => {
    const directory = instance();
    expect(await directory.routeOrPark('O-1', '{"payment":1}')).toBeUndefined();
    expect(await directory.routeOrPark('O-1', Buffer.from('{"payment":2}'))).toBeUndefined();
    const placed = await directory.placeOrder('O-1', 'd:phone');
    expect(placed).toEqual({ key: 'd:phone', parked: ['{"payment":1}', '{"payment":2}'] });
    await directory.releaseParked(['O-1']);
    expect(await directory.placeOrder('O-1', 'd:phone')).toEqual({ key: 'd:phone', parked: [] });
  });

  it('keeps the first placement: a replay or another instance places the order where it is', async () => {
    const first = instance();
    const other = instance();
    await first.placeOrder('O-2', 'd:laptop');
    expect((await other.placeOrder('O-2', 'c:someone')).key).toBe('d:laptop');
    expect(await other.routeOrPark('O-2', '{}')).toBe('d:laptop');
  });

  it('routes the events after a placement it has seen without asking Redis', async () => {
    const directory = instance();
    await directory.placeOrder('O-3', 'd:tablet');
    // Were Redis asked, it would now park the event: the placement is gone from it.
    await redis.del(routeKey('O-3'));
    expect(await directory.routeOrPark('O-3', '{"shipment":1}')).toBe('d:tablet');
    // An instance that never saw the placement asks Redis, and parks.
    expect(await instance().routeOrPark('O-3', '{"shipment":1}')).toBeUndefined();
  });

  it('remembers a placement it learned from Redis when routing', async () => {
    const placing = instance();
    const routing = instance();
    await placing.placeOrder('O-4', 'd:watch');
    expect(await routing.routeOrPark('O-4', '{}')).toBe('d:watch');
    await redis.del(routeKey('O-4'));
    expect(await routing.routeOrPark('O-4', '{}')).toBe('d:watch');
  });

  it('holds every instance to the partition count journeys were first placed by', async () => {
    await instance().claimLayout('journeys-a', 6);
    // Another instance, or a restart, on the same count.
    await instance().claimLayout('journeys-a', 6);
    // The topic grown by hand: no routing, and the reason names both counts and the record.
    const grown = instance().claimLayout('journeys-a', 12);
    await expect(grown).rejects.toBeInstanceOf(JourneyLayoutChanged);
    await expect(grown).rejects.toThrow(
      `journey topic journeys-a has 12 partitions, but its journeys were placed on 6 (Redis key ${prefix}:route:layout:journeys-a)`,
    );
    // Each journey topic has its own record: a new one starts a layout of its own.
    await instance().claimLayout('journeys-b', 12);
    // Deleting the record accepts the new count.
    await redis.del(`${prefix}:route:layout:journeys-a`);
    await instance().claimLayout('journeys-a', 12);
  });
});
