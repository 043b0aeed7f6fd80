import { Queue } from 'bullmq';
import type { LinkTarget } from '@ctxb/config';
import { contextFields } from '@ctxb/connector-sdk';
import { loadLinkConnectors } from '@ctxb/connectors';
import type { LinkJobData } from '@ctxb/delivery';
import { contextReferenceId, OrderState } from '@ctxb/context';
import { createKafka, engineConsumerGroups } from '@ctxb/streaming';
import { poll, type RunningApp } from '../support/http';
import {
  startTestEngine,
  engineTestConfig,
  produceEvents,
  returningVisit,
  storedContexts,
  storyOfRun,
  waitForGroups,
} from '../support/engine-test';
import { runCli } from '../support/processes';
import { uniqueName } from '../support/test-config';
import { withLockWait } from '../support/event-time-lock';

describe('context engine: events on Kafka → context records in ClickHouse → link jobs', () => {
  const config = engineTestConfig((c) => {
    c.log.level = process.env.TEST_LOG ?? 'silent';
    c.links.connectors = [
      { profile: 'config/connectors/sample-erp.yaml', concurrency: 8, maxPerSecond: 0 },
    ];
  });
  const kafka = createKafka(config.kafka, 'test');
  let app: RunningApp;

  beforeAll(async () => {
    app = await startTestEngine(config);
    const { intake, context } = engineConsumerGroups(config.engine.groupId);
    await waitForGroups(kafka, [intake, context]);
  }, withLockWait(300_000));
  afterAll(() => app?.close());

  it('builds the order-12345 story, versioned through payment, invoice and delivery', async () => {
    const run = uniqueName('story');
    // Dated decades ahead, like the other engine tests' traffic: tests beside this one write
    // events dated today, which would otherwise leave the story's behind the engine's clock.
    const { events: story, orderId, anonymousId } = storyOfRun(run, 365 * 75);
    // The customer comes back a day later: event time moves on, so the last versions are due.
    const returning = returningVisit(story, anonymousId, `${run}-returns`);
    // Payment and warehouse events are written before the order itself: they wait for it.
    const aftermath = story.filter((e) => e.type !== 'order.placed' && !e.anonymousid);
    const rest = story.filter((e) => !aftermath.includes(e));
    await produceEvents(kafka, aftermath);
    await produceEvents(kafka, [...rest, returning]);

    const reference = contextReferenceId(orderId);
    const versions = await poll(
      'context of order 12345 delivered',
      async () => {
        const rows = (await storedContexts(config)).filter(
          (r) => r.contextReferenceId === reference,
        );
        const latest = rows[rows.length - 1]?.parsed;
        return latest?.state.state === OrderState.Delivered ? rows : undefined;
      },
      120_000,
    );
    // Versions are contiguous. Which facts the early ones hold depends on how far apart the
    // topics were read (the aftermath came first here); the latest holds the whole story.
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    const latest = versions[versions.length - 1].parsed;
    expect(latest.order.orderId).toBe(orderId);

    // The engine tells how far the event time its versions are due by trails the wall clock
    // (here it leads by decades): past the delivery, short of the returning visit less the
    // lateness bound.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const lags = [
      ...metrics.matchAll(/^ctxb_engine_watermark_lag_seconds\{partition="\d+"[^}]*\} (\S+)$/gm),
    ].map((m) => Number(m[1]));
    const lead = Math.min(...lags);
    const delivered = Date.parse(story.find((e) => e.type === 'fulfillment.delivered')!.time);
    const due = Date.parse(returning.time) - config.context.latenessSeconds * 1000;
    expect(lead).toBeLessThanOrEqual((Date.now() - delivered) / 1000);
    expect(lead).toBeGreaterThanOrEqual((Date.now() - due) / 1000 - 60);
    expect(latest.sessions.count).toBe(5);
    expect(latest.journey.firstTouch?.campaign).toBe('spring-espresso');
    expect(latest.journey.daysToConvert).toBe(3);
    expect(latest.signals).toMatchObject({
      cartAbandons: 2,
      productsCompared: 7,
      reviewsRead: 3,
      productPageActiveMs: 12 * 60_000,
      checkoutPageLoadMs: 4000,
      discount: { code: 'SPRING10', foundInSession: 3 },
    });
    expect(latest.state.history.map((h) => h.state)).toEqual([
      'placed',
      'paid',
      'shipped',
      'delivered',
    ]);
    expect(latest.correlations.invoices).toEqual(['INV-12345']);

    // Link jobs, idempotently named, one queue per connector target: the newest version has
    // one in each, and every job carries what its target reads of a stored version (older
    // versions of one batch are superseded before linking), not the whole record.
    const stored = new Map(versions.map((v) => [v.version, v.parsed]));
    const [connector] = loadLinkConnectors(config.links);
    const newest = versions[versions.length - 1].version;
    for (const target of ['om', 'ar', 'gl']) {
      const queue = new Queue(`${config.links.queue}.sample-erp.${target}`, {
        connection: { host: config.redis.host, port: config.redis.port },
        prefix: `${config.redis.keyPrefix}:bull`,
      });
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      await queue.close();
      const mine = jobs.filter((j) => j.id?.startsWith(`${reference}.v`));
      expect(mine.map((j) => j.id)).toContain(`${reference}.v${newest}.${target}`);
      for (const job of mine) {
        const data = job.data as LinkJobData;
        expect(data.connector).toBe('sample-erp');
        expect(data.orderId).toBe(orderId);
        expect(data.record).toBeUndefined();
        expect(data.fields).toEqual(
          contextFields(stored.get(data.version)!, connector.reads[target as LinkTarget]!),
        );
      }
    }
  }, 150_000);

  it('shows its saved state per journey partition through `ctxb engine state`', async () => {
    // The story's journey partition has folded it in; its state is saved every 500 ms.
    const env = { ...process.env, CTXB_REDIS_KEY_PREFIX: config.redis.keyPrefix };
    const state = async () => {
      const run = await runCli(
        ['engine', 'state', '--topic', config.engine.journeyTopic, '--json'],
        {
          env,
        },
      );
      expect(run.status).toBe(0);
      return JSON.parse(run.stdout) as {
        topic: string;
        partitions: { partition: number; offset: number; form: string; wholeBytes: number }[];
        unsaved: number[] | null;
      };
    };
    const shown = await poll(
      'a saved partition',
      async () => {
        const { partitions } = await state();
        return partitions.length > 0 ? partitions : undefined;
      },
      30_000,
    );
    // Every partition of the journey topic, saved or with nothing saved, once.
    const { partitions, unsaved } = await state();
    const all = [...partitions.map((p) => p.partition), ...unsaved!].sort((a, b) => a - b);
    expect(all).toEqual(all.map((_, i) => i));
    expect(all.length).toBeGreaterThan(1);
    for (const partition of shown) {
      expect(partition.form).toBe('parts');
      expect(partition.offset).toBeGreaterThanOrEqual(0);
      expect(partition.wholeBytes).toBeGreaterThan(0);
    }
    const table = await runCli(['engine', 'state', '--topic', config.engine.journeyTopic], { env });
    expect(table.stdout).toMatch(/^partition +offset +saved as +whole +changes$/m);
    expect(table.stdout).toMatch(/^\d+ of \d+ partition\(s\) of \S+ saved, /m);
    expect(table.stdout).toContain(` of ${config.engine.journeyTopic} saved, `);
  });
});
