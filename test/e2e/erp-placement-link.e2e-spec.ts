import { readFileSync, writeFileSync } from 'node:fs';
import { contextReferenceId } from '@ctxb/context';
import { createKafka, engineConsumerGroups } from '@ctxb/streaming';
import { parseDocument } from 'yaml';
import { workerApp } from '../../apps/worker/src/worker.app';
import {
  engineTestConfig,
  produceEvents,
  returningVisit,
  startTestEngine,
  storedContexts,
  storyOfRun,
  waitForGroups,
} from '../support/engine-test';
import { poll, startInProcess, type RunningApp } from '../support/http';
import { ErpTestDatabases } from '../support/erp-test-databases';
import { uniqueName } from '../support/test-config';
import { withLockWait } from '../support/event-time-lock';

/**
 * A profile that links on placement: the order header gets the context's reference from the
 * `order.placed` event alone (version 0), long before the journey can be assembled, and the
 * assembled versions write the summary over it.
 */
describe('ERP delivery on placement: the reference in the order header before the journey', () => {
  const erp = new ErpTestDatabases();
  let config: ReturnType<typeof engineTestConfig>;
  let engine: RunningApp | undefined;
  let worker: RunningApp | undefined;

  beforeAll(async () => {
    await erp.create();
    const profile = erp.profile('sample-erp');
    const document = parseDocument(readFileSync(profile, 'utf8'));
    document.setIn(['modules', 'om', 'linkOnPlacement'], true);
    writeFileSync(profile, document.toString());
    config = engineTestConfig((c) => {
      c.log.level = process.env.TEST_LOG ?? 'silent';
      c.links.connectors = [{ profile, concurrency: 16, maxPerSecond: 0 }];
      c.links.retry = { attempts: 1000, backoffMs: 100, maxBackoffMs: 1000 };
    });
    engine = await startTestEngine(config);
    worker = await startInProcess(workerApp, config);
    await waitForGroups(
      createKafka(config.kafka, 'test'),
      Object.values(engineConsumerGroups(config.engine.groupId)),
    );
  }, withLockWait(300_000));
  afterAll(async () => {
    await worker?.close();
    await engine?.close();
    await erp.drop();
  });

  it('writes version 0 (the reference alone) at once, then the assembled versions over it', async () => {
    const { events, orderId, anonymousId } = storyOfRun(uniqueName('placed'), 365 * 75);
    await erp.query(
      `INSERT INTO customer (customer_no, name) VALUES ('C-1001', 'Ada Lovelace') ON CONFLICT DO NOTHING`,
    );
    await erp.query(
      `INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount)
       VALUES ('${orderId}', 'C-1001', now(), 'EUR', 249.90)`,
    );
    const header = async () =>
      (
        await erp.query<Record<string, unknown>>(
          `SELECT context_reference_id, context_version, first_touch_channel, sessions
           FROM sales_order WHERE order_no = '${orderId}'`,
        )
      )[0];
    const stored = async () =>
      (await storedContexts(config)).filter((c) => c.parsed.order.orderId === orderId);
    const kafka = createKafka(config.kafka, 'test');

    // The journey up to the order: no later event moves event time past it, so no version is due.
    const placedAt = Date.parse(events.find((e) => e.type === 'order.placed')!.time);
    await produceEvents(
      kafka,
      events.filter((e) => Date.parse(e.time) <= placedAt),
    );
    const early = await poll('the reference in the order header', async () => {
      const row = await header();
      return row?.context_reference_id ? row : undefined;
    });
    expect(early).toEqual({
      context_reference_id: contextReferenceId(orderId),
      context_version: 0,
      first_touch_channel: null,
      sessions: null,
    });
    expect(await stored()).toEqual([]);

    // The rest of the story and a visit a day later: the assembled versions follow.
    await produceEvents(kafka, [
      ...events.filter((e) => Date.parse(e.time) > placedAt),
      returningVisit(events, anonymousId, `${orderId}-returns`),
    ]);
    const { row, newest } = await poll(
      'the newest assembled version in the order header',
      async () => {
        const versions = await stored();
        const newest = versions.sort((a, b) => b.version - a.version)[0]?.parsed;
        const row = await header();
        return newest && row?.context_version === newest.version ? { row, newest } : undefined;
      },
      90_000,
    );
    expect(newest.version).toBeGreaterThan(0);
    expect(row).toEqual({
      context_reference_id: contextReferenceId(orderId),
      context_version: newest.version,
      first_touch_channel: newest.journey.firstTouch!.channel,
      sessions: newest.sessions.count,
    });
  }, 180_000);
});
