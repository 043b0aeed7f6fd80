import {
  DeadLetterHeader,
  deadLetterTopic,
  EVENT_CATALOGUE,
  exampleEvent,
  Topic,
} from '@ctxb/events';
import { createKafka, encodeEvent } from '@ctxb/streaming';
import { engineApp } from '../../apps/engine/src/engine.app';
import { poll, startInProcess, type RunningApp } from '../support/http';
import { produceRecords, waitForGroups } from '../support/engine-test';
import { holdEventTimeLock, withLockWait } from '../support/event-time-lock';
import { runCli } from '../support/processes';
import { testConfig, uniqueName } from '../support/test-config';
import { TopicTail } from '../support/topic-tail';

// Each test takes the event-time lock, which a test running a whole pipeline may hold for
// minutes, then runs an engine of its own.
jest.setTimeout(withLockWait(300_000));

describe('engine intake (direct Kafka producers)', () => {
  // A new group that starts at the end: the shared topics hold other tests' history.
  const fromTheEnd = (group: string) =>
    testConfig((c) => {
      c.engine.groupId = uniqueName(group);
      c.engine.startFromBeginning = false;
    });
  const config = fromTheEnd('test_engine');
  const kafka = createKafka(config.kafka, 'test');
  /** The dead-letter and journey topics, read while a test's engine runs (see withOwnEngine). */
  let tail: TopicTail;

  it('dead-letters a poison record written straight to a topic, with its reason, and keeps consuming', async () => {
    const key = uniqueName('poison');
    const valid = exampleEvent('page.viewed', { id: uniqueName('valid'), anonymousid: key });
    // The valid record is dated like the story (March 2026) under a device of its own: an
    // engine or archive of another test reading the topics meanwhile would count it as one of
    // its journeys; and any record on a shared topic, the replayed one too, moves the other
    // engines' intakes on. So the test runs under the lock, with an engine of its own.
    await withOwnEngine('test_engine_poison', async (engine, groupId) => {
      await produceRecords(kafka, Topic.CustomerJourney, [
        { key, value: 'this is not json' },
        {
          key,
          value: JSON.stringify({ ...valid, id: `${valid.id}-bad`, type: 'page.teleported' }),
        },
        encodeEvent(valid, EVENT_CATALOGUE.get('page.viewed')!),
      ]);

      // The valid record behind the poison is handled: the engine's counter says so.
      await poll(
        'valid event handled',
        async () => {
          const metrics = await (await fetch(`${engine.url}/metrics`)).text();
          return /ctxb_engine_records_total\{topic="customer-journey",outcome="handled",app="engine"\} [1-9]/.test(
            metrics,
          )
            ? true
            : undefined;
        },
        60_000,
      );

      // Engines of other tests read the shared topics too and dead-letter the same records:
      // the ones this engine's group wrote are this test's.
      const deadLetters = await tail.waitFor(
        (m) => m.key === key && m.headers[DeadLetterHeader.ConsumerGroup] === groupId,
        2,
        60_000,
      );
      expect(deadLetters.map((m) => m.headers[DeadLetterHeader.Stage])).toEqual([
        'parse',
        'validate',
      ]);
      expect(deadLetters[0].headers[DeadLetterHeader.Reason]).toMatch(/not valid JSON/);
      expect(deadLetters[1].headers[DeadLetterHeader.Reason]).toBe(
        'type: unknown event type "page.teleported"',
      );
      expect(deadLetters[0].value).toBe('this is not json');

      // The CLI lists them with their reasons, and replays one back to its topic: still
      // invalid, it is dead-lettered again, now marked as a replay.
      // Without blocking this process: the engine under test runs in it.
      const ctxb = (...args: string[]) => runCli(args);
      // Other engines (other tests' processes, other groups) may dead-letter the same records
      // too, so counts are read from the list rather than assumed.
      const listed = await ctxb('events', 'dead-letters', 'list', '--key', key, '--json');
      expect(listed.status).toBe(0);
      const records = JSON.parse(listed.stdout) as {
        stage: string;
        originalTopic: string;
        value: string;
      }[];
      expect(new Set(records.map((r) => r.stage))).toEqual(new Set(['parse', 'validate']));
      expect(new Set(records.map((r) => r.originalTopic))).toEqual(
        new Set<string>([Topic.CustomerJourney]),
      );
      expect(records.find((r) => r.stage === 'parse')!.value).toBe('this is not json');

      const invalid = records.filter((r) => r.stage === 'validate').length;
      const replayed = await ctxb(
        'events',
        'dead-letters',
        'replay',
        '--key',
        key,
        '--stage',
        'validate',
      );
      expect(replayed.stdout).toContain(`replayed ${invalid} event(s)`);
      const again = await tail.waitFor(
        (m) => m.key === key && m.headers['ctxb-replayed-from'] !== undefined,
        1,
        60_000,
      );
      expect(again[0].headers[DeadLetterHeader.Stage]).toBe('validate');
      expect(again[0].headers['ctxb-replayed-from']).toMatch(/^customer-journey\.dlq:\d+:\d+$/);
    });
  });

  it('dead-letters an event dated too far ahead of its clock, and takes one within the tolerance', async () => {
    expect(config.engine.futureToleranceSeconds).toBe(3600); // the shipped default
    // Dated ahead of other tests' traffic, which engines of theirs would fold in. Tests that
    // write far-ahead eras hold the lock while they run.
    await withOwnEngine('test_engine_ahead', aheadOfTheClock);
  });

  /**
   * Runs `check` under the event-time lock with an engine of its own, started at the end of
   * the topics once the lock is held: an engine started earlier may still be reading an era
   * another test wrote before the lock came here (a crash test writes 145k events); this one
   * reads none of it. The topics are tailed from then on.
   */
  async function withOwnEngine(
    group: string,
    check: (engine: RunningApp, groupId: string) => Promise<void>,
  ): Promise<void> {
    const release = await holdEventTimeLock(config);
    const own = fromTheEnd(group);
    let engine: RunningApp | undefined;
    try {
      engine = await startInProcess(engineApp, own);
      await waitForGroups(kafka, [own.engine.groupId]);
      // After the engine: it creates its journey topic.
      tail = await TopicTail.start(kafka, [
        deadLetterTopic(Topic.CustomerJourney),
        own.engine.journeyTopic,
      ]);
      await check(engine, own.engine.groupId);
    } finally {
      await tail?.stop();
      await engine?.close();
      await release();
    }
  }

  async function aheadOfTheClock(engine: RunningApp, groupId: string): Promise<void> {
    const key = uniqueName('ahead');
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const near = exampleEvent('page.viewed', {
      id: uniqueName('near'),
      anonymousid: key,
      time: at(10 * 60_000),
    });
    const far = exampleEvent('page.viewed', {
      id: uniqueName('far'),
      anonymousid: key,
      time: at(3 * 86_400_000),
    });
    const aheadBefore = await aheadCount(engine);
    await produceRecords(
      kafka,
      Topic.CustomerJourney,
      [near, far].map((e) => encodeEvent(e, EVENT_CATALOGUE.get(e.type)!)),
    );

    const [dead] = await tail.waitFor(
      (m) =>
        m.topic === deadLetterTopic(Topic.CustomerJourney) &&
        m.key === key &&
        m.headers[DeadLetterHeader.ConsumerGroup] === groupId,
      1,
      60_000,
    );
    expect(dead.event?.id).toBe(far.id);
    expect(dead.headers[DeadLetterHeader.Stage]).toBe('validate');
    expect(dead.headers[DeadLetterHeader.Reason]).toMatch(
      /^time \S+ is (2|3) days ahead of the clock here \(.+\); at most 60 min ahead is taken/,
    );
    // The one within the tolerance went on to the journey topic, and only it.
    await tail.waitFor(
      (m) => m.topic === config.engine.journeyTopic && m.value.includes(near.id),
      1,
      60_000,
    );
    expect(
      tail.messages.some((m) => m.topic === config.engine.journeyTopic && m.value.includes(far.id)),
    ).toBe(false);
    expect(
      tail.messages.filter(
        (m) => m.key === key && m.headers[DeadLetterHeader.ConsumerGroup] === groupId,
      ),
    ).toHaveLength(1);
    // Operators see it apart from invalid events.
    expect((await aheadCount(engine)) - aheadBefore).toBe(1);
  }

  /** The engine's count of page views refused as too far ahead. */
  async function aheadCount(engine: RunningApp): Promise<number> {
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const match = /^ctxb_engine_events_ahead_total\{type="page\.viewed"[^}]*\} (\d+)$/m.exec(
      metrics,
    );
    return Number(match?.[1] ?? 0);
  }
});
