import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { EVENT_CATALOGUE, exampleEvent, timestampMs, Topic, type CloudEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { createClickHouse, LocalLakeStorage, RawEventStore, selectRows, sql } from '@ctxb/store';
import { createKafka, encodeEvent } from '@ctxb/streaming';
import { poll, type RunningApp } from '../support/http';
import {
  startTestEngine,
  engineTestConfig,
  produceEvents,
  produceRecords,
  waitForGroups,
} from '../support/engine-test';
import { uniqueName } from '../support/test-config';
import { withLockWait } from '../support/event-time-lock';

describe('raw event archive: event topics → ClickHouse events table → Parquet lake', () => {
  const lakeDirectory = join(tmpdir(), uniqueName('ctxb-lake'));
  const config = engineTestConfig((c) => {
    c.archive.enabled = true;
    c.archive.insertLingerMs = 200;
    c.lake = { ...c.lake, enabled: true, directory: lakeDirectory, exportIntervalMs: 1000 };
  });
  const kafka = createKafka(config.kafka, 'test');
  const client = createClickHouse(config.clickhouse);
  const store = new RawEventStore(client);
  // The story under ids of this run: the shared topics may hold the story from other tests.
  const run = uniqueName('archive');
  const events: CloudEvent[] = order12345Events().map((e) => ({ ...e, id: `${run}-${e.id}` }));
  // Stamped in a leap second: valid RFC 3339, which Date.parse refuses.
  const leap = exampleEvent('page.viewed', {
    id: `${run}-leap`,
    anonymousid: `${run}-device`,
    time: '2026-03-13T23:59:60.250Z',
  });
  let app: RunningApp;

  beforeAll(async () => {
    // Under the event-time lock: the story's device and order, under other event ids, would
    // fold into the journey of an engine reading the story beside this test.
    app = await startTestEngine(config);
    await waitForGroups(kafka, [config.engine.groupId]);
  }, withLockWait(300_000));
  afterAll(async () => {
    await client.close();
    await app?.close();
    await rm(lakeDirectory, { recursive: true, force: true });
  });

  it('keeps every valid event once, skips what is not an event, and serves timelines', async () => {
    // Everything twice (a producer retry), plus two records that are not valid events.
    await produceEvents(kafka, [...events, leap]);
    await produceEvents(kafka, events.slice(0, 10));
    await produceRecords(kafka, Topic.CustomerJourney, [
      { key: run, value: 'not json' },
      { ...encodeEvent(events[0], EVENT_CATALOGUE.get(events[0].type)!), value: '{"id":1}' },
    ]);

    // Tests beside this one write to the same topics: this run's events are the ones counted.
    const archived = async () => {
      const [row] = await selectRows<{ n: string }>(
        client,
        sql`SELECT uniqExact(source, id) AS n FROM events WHERE startsWith(id, ${run})`,
      );
      return Number(row.n);
    };
    await poll(
      'every event archived',
      async () => ((await archived()) > events.length ? true : undefined),
      60_000,
    );
    expect(await archived()).toBe(events.length + 1);
    const [stamped] = await selectRows<{ time: string; time_ms: number }>(
      client,
      sql`SELECT time, time_ms FROM events WHERE id = ${leap.id}`,
    );
    expect(stamped).toEqual({ time: '2026-03-14 00:00:00', time_ms: 250 });
    expect(await store.count()).toBeGreaterThanOrEqual(events.length);

    // A device's timeline: its events, each once, in time order (expected from the input).
    const device = ORDER_12345.anonymousId;
    const expected = events
      .filter((e) => e.anonymousid === device)
      .sort(
        (a, b) =>
          Date.parse(a.time) - Date.parse(b.time) || cmp(a.source, b.source) || cmp(a.id, b.id),
      );
    const mine = (list: CloudEvent[]) => list.filter((e) => e.id.startsWith(run));
    const timeline = mine(await store.timeline({ anonymousId: device }));
    expect(timeline.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(timeline[0]).toEqual(expected[0]);

    // An order's timeline, by its correlation id.
    const ofOrder = events.filter((e) => e.correlationid === ORDER_12345.orderId);
    expect(ofOrder.length).toBeGreaterThan(0);
    expect(mine(await store.timeline({ correlationId: ORDER_12345.orderId })).length).toBe(
      ofOrder.length,
    );
  });

  it("keeps the lake up to date: every archived event in its hour's file", async () => {
    const storage = new LocalLakeStorage(lakeDirectory);
    /** This run's events in the lake, and the files that hold them. */
    const lake = async () => {
      let ids: string[] = [];
      const files: string[] = [];
      for (const path of await storage.list('events')) {
        const bytes = (await storage.read(path))!;
        const rows = await parquetReadObjects({ file: bytes.slice().buffer });
        const ours = rows.map((r) => String(r.id)).filter((id) => id.startsWith(run));
        if (ours.length > 0) files.push(path);
        ids = ids.concat(ours);
      }
      return { ids: ids.sort(), files };
    };
    const lakeEvents = async () => (await lake()).ids;
    await poll(
      'lake holds every event',
      async () => ((await lakeEvents()).length > events.length ? true : undefined),
      60_000,
    );
    const all = [...events, leap];
    expect(await lakeEvents()).toEqual(all.map((e) => e.id).sort());
    const hours = new Set(all.map((e) => new Date(timestampMs(e.time)).toISOString().slice(0, 13)));
    expect((await lake()).files.length).toBe(hours.size);
  });
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
