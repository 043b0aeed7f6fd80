import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { AppConfig } from '@ctxb/config';
import type { ExpiredEvent } from '@ctxb/context';
import { TOPICS } from '@ctxb/events';
import { trafficEvents, SeededRandom } from '@ctxb/simulation';
import { createClickHouse, selectRows, sql } from '@ctxb/store';
import { createKafka, engineConsumerGroups, journeyEvents } from '@ctxb/streaming';
import { contextOptionsFrom } from '../../apps/engine/src/context/context-options.factory';
import { journeyRoute } from '../../apps/engine/src/routing/journey-route';
import { poll } from '../support/http';
import {
  createTestDatabase,
  dropTestState,
  engineTestConfig,
  produceEvents,
  storedContexts,
} from '../support/engine-test';
import { holdEventTimeLock, withLockWait } from '../support/event-time-lock';
import { readJourneyLog, replayJourneyLog } from '../support/journey-log';
import { freePort } from '../support/test-config';

const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'engine', 'src', 'main.js');

/** The built engine as its own process, configured through CTXB_* variables. */
function environment(config: AppConfig, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CTXB_ENGINE_HTTP_PORT: String(port),
    CTXB_ENGINE_GROUP_ID: config.engine.groupId,
    CTXB_ENGINE_START_FROM_BEGINNING: 'false',
    CTXB_ENGINE_JOURNEY_TOPIC: config.engine.journeyTopic,
    CTXB_ENGINE_SNAPSHOT_INTERVAL_MS: String(config.engine.snapshotIntervalMs),
    CTXB_ENGINE_SESSION_TIMEOUT_MS: String(config.engine.sessionTimeoutMs),
    CTXB_ENGINE_FUTURE_TOLERANCE_SECONDS: String(config.engine.futureToleranceSeconds),
    CTXB_REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CTXB_LINKS_QUEUE: config.links.queue,
    CTXB_CLICKHOUSE_DATABASE: config.clickhouse.database,
    CTXB_LOG_LEVEL: 'warn',
    // The archive is killed with the engine too; the lake has tests of its own.
    CTXB_ARCHIVE_ENABLED: 'true',
    CTXB_LAKE_ENABLED: 'false',
  };
}

/** Per (source, id) archived from `from` on: how many different texts, and the MD5 of one. */
async function archivedEvents(config: AppConfig, from: Date) {
  const client = createClickHouse(config.clickhouse);
  try {
    const rows = await selectRows<{ source: string; id: string; variants: string; md5: string }>(
      client,
      sql`SELECT source, id, uniqExact(event) AS variants, hex(MD5(any(event))) AS md5
        FROM events WHERE time >= ${from} GROUP BY source, id`,
    );
    return new Map(
      rows.map((r) => [`${r.source}|${r.id}`, { ...r, variants: Number(r.variants) }]),
    );
  } finally {
    await client.close();
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex').toUpperCase();

describe('engine crash test', () => {
  const config = engineTestConfig((c) => {
    c.engine.snapshotIntervalMs = 1000;
  });
  const kafka = createKafka(config.kafka, 'test');
  const random = new SeededRandom(20261122);
  let engine: ChildProcess | undefined;
  let release: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    release = await holdEventTimeLock(config);
    await createTestDatabase(config);
  }, withLockWait(300_000));
  afterAll(async () => {
    engine?.kill('SIGKILL');
    await release();
    await dropTestState(config);
  });

  /** On a timeout: how far each consumer group got, so the failure says where it stuck. */
  async function whereThingsStand(admin: Admin): Promise<string> {
    const rows = await storedContexts(config).catch(() => []);
    const lines = [`stored ${rows.length} versions`];
    const topic = config.engine.journeyTopic;
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({
      groupId: engineConsumerGroups(config.engine.groupId).context,
      topics: [topic],
    });
    for (const end of ends) {
      const at = committed.partitions.find((p) => p.partition === end.partition)?.offset;
      lines.push(`journey partition ${end.partition}: end ${end.high}, committed ${at}`);
    }
    return lines.join('\n');
  }

  it('killed with SIGKILL at 5 random points of a 100k-event replay, ends with exactly the records of an uninterrupted run and every event archived as written', async () => {
    // The intake reads the shared topics, where tests running beside this one write events
    // dated today or in 2026 (they land on this engine's journey topic too). Dated after all
    // of those, these events never arrive behind a clock that someone else's moved on.
    const events = trafficEvents({
      seed: 99,
      journeys: 4_700,
      start: '2090-02-01',
      days: 30,
      // The story keeps its own dates (2026): not part of this replay.
      includeStory: false,
    });
    expect(events.length).toBeGreaterThanOrEqual(100_000);

    // The intake group starts exactly where these events will be written.
    const admin = kafka.admin();
    await admin.connect();
    for (const topic of TOPICS) {
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: config.engine.groupId,
        topic,
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
      });
    }
    const sourceEnds = new Map<string, Map<number, number>>();
    await produceEvents(kafka, events);
    for (const topic of TOPICS)
      sourceEnds.set(
        topic,
        new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])),
      );

    const port = await freePort();
    // The engine's warnings, kept for a failure report.
    const logPath = join(tmpdir(), `${config.engine.groupId}.log`);
    const logFile = openSync(logPath, 'a');
    const start = (): ChildProcess =>
      spawn(process.execPath, [MAIN], {
        env: environment(config, port),
        stdio: ['ignore', logFile, logFile],
      });
    const live = () =>
      poll(
        'engine up',
        async () => ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok ? true : undefined),
        60_000,
      );

    const kills: number[] = [];
    for (let i = 0; i < 5; i++) {
      engine = start();
      await live();
      const after = random.int(1_000, 4_000);
      await new Promise((r) => setTimeout(r, after));
      const exited = new Promise((r) => engine!.once('exit', r));
      engine.kill('SIGKILL');
      await exited;
      kills.push(after);
    }
    engine = start();
    await live();

    // Done when the intake has committed to the end of every source partition …
    await poll(
      'intake caught up',
      async () => {
        for (const topic of TOPICS) {
          const [committed] = await admin.fetchOffsets({
            groupId: config.engine.groupId,
            topics: [topic],
          });
          const ends = sourceEnds.get(topic)!;
          if (committed.partitions.some((p) => Number(p.offset) < ends.get(p.partition)!))
            return undefined;
        }
        return true;
      },
      240_000,
    );
    // … and the context stage has committed (which it does only once the versions are
    // stored and the state saved) to the end of every journey partition.
    const journeyTopic = config.engine.journeyTopic;
    const contextGroup = engineConsumerGroups(config.engine.groupId).context;
    const journeyLag = async (): Promise<number> => {
      const ends = await admin.fetchTopicOffsets(journeyTopic);
      const [committed] = await admin.fetchOffsets({
        groupId: contextGroup,
        topics: [journeyTopic],
      });
      return ends.reduce((lag, end) => {
        const at = committed.partitions.find((p) => p.partition === end.partition)?.offset;
        return lag + Number(end.high) - Math.max(0, Number(at ?? 0));
      }, 0);
    };
    await poll(
      'journey topic consumed',
      async () => ((await journeyLag()) === 0 ? true : undefined),
      240_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await whereThingsStand(admin)}\nengine log: ${logPath}`);
    });
    const stopped = new Promise((r) => engine!.once('exit', r));
    engine.kill('SIGTERM');
    await stopped;
    engine = undefined;
    // Nothing was appended after the engine had it all: what it consumed is the whole log.
    expect(await journeyLag()).toBe(0);
    await admin.disconnect();
    const options = contextOptionsFrom(config);
    const log = await readJourneyLog(kafka, journeyTopic);
    const expired: ExpiredEvent[] = [];
    const expected = replayJourneyLog(log, options, expired);
    const stored = await storedContexts(config);

    // Nothing routable was lost on the way to the journey topic …
    const onLog = new Set<string>();
    for (const messages of log.values())
      for (const m of messages)
        if (m.command === undefined)
          for (const { event } of journeyEvents({ key: null, value: Buffer.from(m.value) }))
            onLog.add(`${String(event.source)}|${String(event.id)}`);
    // The events were made in time order, so however unevenly the topics were read, the
    // engines' clocks waited for the slowest source and none of them came too late (other
    // tests' older events may, behind this test's clock: that is theirs to mind).
    // (Generated ids repeat across generator runs: an event is ours by its key and time.)
    const ours = new Set(events.map((e) => `${e.source}|${e.id}|${e.time}`));
    expect(
      expired
        .filter((e) => ours.has(`${e.event.source}|${e.event.id}|${e.event.time}`))
        .map((e) => e.reason)
        .slice(0, 3),
    ).toEqual([]);
    const routable = events.filter((e) => journeyRoute(e, options).kind !== 'skip');
    expect(routable.filter((e) => !onLog.has(`${e.source}|${e.id}`))).toEqual([]);

    // … and the store holds exactly the versions an uninterrupted engine makes of that log:
    // none missing, none extra, none stored twice with different contents (that throws).
    const key = (r: { contextReferenceId: string; version: number }) =>
      `${r.contextReferenceId}#${r.version}`;
    const want = new Map(expected.map((r) => [key(r), JSON.stringify(r)]));
    const got = new Map(stored.map((r) => [key(r), r.record]));
    expect(expected.length).toBeGreaterThan(2_000);
    expect([...got.keys()].filter((k) => !want.has(k))).toEqual([]);
    expect([...want.keys()].filter((k) => !got.has(k))).toEqual([]);
    for (const [k, record] of want)
      if (got.get(k) !== record) throw new Error(`${k} differs from the uninterrupted run`);

    // The archive holds every event as it was written, in one form only (a replay writes an
    // event again; an insert cut off by a kill must have stored nothing of its rows).
    // (No other test writes events dated after 2090 while this one holds the event-time lock.)
    const archived = await archivedEvents(config, new Date('2090-01-01T00:00:00Z'));
    const notAsWritten = events.filter((e) => {
      const row = archived.get(`${e.source}|${e.id}`);
      return row?.variants !== 1 || row.md5 !== md5(JSON.stringify(e));
    });
    expect(notAsWritten.slice(0, 3)).toEqual([]);
    console.log(
      `crash test: ${events.length} events, kills after ${kills.join(', ')} ms, ${stored.length} context versions`,
    );
  }, 600_000);
});
