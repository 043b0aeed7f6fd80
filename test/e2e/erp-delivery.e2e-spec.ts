import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ContextRecord } from '@ctxb/context';
import type { CloudEvent } from '@ctxb/events';
import { ContextRecordStore, createClickHouse, DeliveryLogStore } from '@ctxb/store';
import { createKafka } from '@ctxb/streaming';
import { workerApp } from '../../apps/worker/src/worker.app';
import {
  engineTestConfig,
  produceEvents,
  startTestEngine,
  storedContexts,
  storyOfRun,
  waitForGroups,
} from '../support/engine-test';
import { poll, startInProcess, type RunningApp } from '../support/http';
import { SampleErpDatabase } from '../support/sample-erp-database';
import { freePort, uniqueName } from '../support/test-config';

const ROOT = join(__dirname, '..', '..');

/**
 * The story order of one run, with its own order, invoice and journal numbers, dated decades
 * ahead like the other engine tests' traffic, and a returning visit a day later that moves the
 * engine's event time on so the last versions are due.
 */
function storyOrder(run: string) {
  const { events, orderId, anonymousId } = storyOfRun(run, 365 * 75);
  const renamed = events.map(
    (e) =>
      JSON.parse(
        JSON.stringify(e)
          .split('"INV-12345"')
          .join(`"INV-${orderId}"`)
          .split('"JE-12345"')
          .join(`"JE-${orderId}"`),
      ) as CloudEvent,
  );
  const last = renamed[renamed.length - 1];
  const returning: CloudEvent = {
    ...renamed.find((e) => e.type === 'page.viewed')!,
    id: `${run}-returns`,
    anonymousid: anonymousId,
    time: new Date(Date.parse(last.time) + 86_400_000).toISOString(),
  };
  return {
    events: [...renamed, returning],
    orderId,
    invoiceNo: `INV-${orderId}`,
    journalId: `JE-${orderId}`,
  };
}

/** The ERP's own documents of a story order, as the ERP books them before any context. */
async function bookDocuments(erp: SampleErpDatabase, order: ReturnType<typeof storyOrder>) {
  await erp.query(
    `INSERT INTO customer (customer_no, name) VALUES ('C-1001', 'Ada Lovelace') ON CONFLICT DO NOTHING`,
  );
  await erp.query(
    `INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount)
     VALUES ('${order.orderId}', 'C-1001', now(), 'EUR', 249.90)`,
  );
  await erp.query(
    `INSERT INTO ar_invoice (invoice_no, order_no, customer_no, invoice_date, currency, amount)
     VALUES ('${order.invoiceNo}', '${order.orderId}', 'C-1001', current_date, 'EUR', 249.90)`,
  );
  await erp.query(
    `INSERT INTO gl_journal_line (journal_id, line_no, posting_date, account, debit, credit, currency, order_no) VALUES
     ('${order.journalId}', 1, current_date, '1200', 249.90, 0, 'EUR', '${order.orderId}'),
     ('${order.journalId}', 2, current_date, '4000', 0, 210.00, 'EUR', '${order.orderId}'),
     ('${order.journalId}', 3, current_date, '2200', 0, 39.90, 'EUR', '${order.orderId}')`,
  );
}

describe('ERP delivery: events on Kafka → engine → BullMQ → worker → sample ERP rows', () => {
  const erp = new SampleErpDatabase();
  let config: ReturnType<typeof engineTestConfig>;
  let engine: RunningApp | undefined;
  let worker: RunningApp | undefined;

  /** The newest stored version of the order's context. */
  const newestContext = async (orderId: string): Promise<ContextRecord | undefined> => {
    const mine = (await storedContexts(config)).filter((v) => v.parsed.order.orderId === orderId);
    return mine.sort((a, b) => b.version - a.version)[0]?.parsed;
  };
  /** The order header once it holds the context's newest version. */
  const linkedOrder = (orderId: string, timeoutMs = 90_000) =>
    poll(
      `order ${orderId} linked with its newest context version`,
      async () => {
        const context = await newestContext(orderId);
        if (!context) return undefined;
        const [row] = await erp.query<Record<string, unknown>>(
          `SELECT * FROM sales_order WHERE order_no = '${orderId}'`,
        );
        return row?.context_version === context.version ? { row, context } : undefined;
      },
      timeoutMs,
    );
  const ctxb = (...args: string[]) =>
    spawnSync('node', [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], {
      encoding: 'utf8',
      cwd: ROOT,
      timeout: 60_000,
      env: {
        ...process.env,
        CTXB_REDIS_KEY_PREFIX: config.redis.keyPrefix,
        CTXB_LINKS_QUEUE: config.links.queue,
        CTXB_CLICKHOUSE_DATABASE: config.clickhouse.database,
      },
    });

  beforeAll(async () => {
    await erp.create();
    // A second ERP that is down the whole time: the first must not notice.
    const offline = erp.connectionString.replace(/Port=\d+/, `Port=${await freePort()}`);
    config = engineTestConfig((c) => {
      c.log.level = process.env.TEST_LOG ?? 'silent';
      c.links.connectors = [
        { profile: erp.profile(), concurrency: 16, maxPerSecond: 0 },
        { profile: erp.profile('offline-erp', offline), concurrency: 16, maxPerSecond: 0 },
      ];
      c.links.retry = { attempts: 3, backoffMs: 100, maxBackoffMs: 1000 };
    });
    engine = await startTestEngine(config);
    worker = await startInProcess(workerApp, config);
    const kafka = createKafka(config.kafka, 'test');
    await waitForGroups(kafka, [config.engine.groupId, `${config.engine.groupId}.context`]);
  }, 900_000);
  afterAll(async () => {
    await worker?.close();
    await engine?.close();
    await erp.drop();
  });

  it('links the order, its invoice and its revenue journal with the context summary', async () => {
    const order = storyOrder(uniqueName('erp'));
    await bookDocuments(erp, order);
    await produceEvents(createKafka(config.kafka, 'test'), order.events);

    const { row, context } = await linkedOrder(order.orderId);
    expect(row).toMatchObject({
      context_reference_id: context.contextReferenceId,
      first_touch_channel: context.journey.firstTouch!.channel,
      last_touch_channel: context.journey.lastTouch!.channel,
      primary_campaign: context.journey.firstTouch!.campaign,
      touchpoints: context.journey.touchpoints.length,
      sessions: context.sessions.count,
    });
    expect(Number(row.days_to_convert)).toBe(context.journey.daysToConvert);
    expect(context.correlations.invoices).toEqual([order.invoiceNo]);

    const invoice = await poll('invoice linked', async () => {
      const [r] = await erp.query<Record<string, unknown>>(
        `SELECT * FROM ar_invoice WHERE invoice_no = '${order.invoiceNo}'`,
      );
      return r?.context_version === context.version ? r : undefined;
    });
    expect(invoice).toMatchObject({
      context_reference_id: context.contextReferenceId,
      channel: context.journey.firstTouch!.channel,
      campaign: context.journey.firstTouch!.campaign,
    });
    const lines = await poll('journal lines linked', async () => {
      const rows = await erp.query<Record<string, unknown>>(
        `SELECT line_no, context_reference_id, context_version, channel FROM gl_journal_line
         WHERE journal_id = '${order.journalId}' ORDER BY line_no`,
      );
      return rows.every((r) => r.context_version === context.version) ? rows : undefined;
    });
    expect(lines).toEqual(
      [1, 2, 3].map((line_no) => ({
        line_no,
        context_reference_id: context.contextReferenceId,
        context_version: context.version,
        channel: context.journey.firstTouch!.channel,
      })),
    );

    // The ERP's ids went back to the context: the drill-down works from the ERP side.
    const client = createClickHouse(config.clickhouse);
    try {
      const store = new ContextRecordStore(client);
      for (const [kind, id] of [
        ['erp-order', order.orderId],
        ['erp-invoice', order.invoiceNo],
        ['erp-journal', order.journalId],
      ]) {
        const found = await poll(`${kind} ${id} drills down`, async () => {
          const contexts = await store.contextsOfDocument(kind, id);
          return contexts.length > 0 ? contexts : undefined;
        });
        expect(found.map((c) => c.contextReferenceId)).toEqual([context.contextReferenceId]);
      }
      // Every try is in the delivery log, the newest version's writes among them.
      const log = await new DeliveryLogStore(client).list({
        contextReferenceId: context.contextReferenceId,
        limit: 100,
      });
      for (const target of ['om', 'ar', 'gl'])
        expect(
          log.filter(
            (e) =>
              e.connector === 'sample-erp' &&
              e.target === target &&
              e.version === context.version &&
              (e.status === 'written' || e.status === 'current'),
          ),
        ).not.toEqual([]);
      // The offline ERP's jobs for the same context wait for it, retried as connection losses.
      const offlineTries = await poll('the offline ERP retried', async () => {
        const tries = await new DeliveryLogStore(client).list({
          contextReferenceId: context.contextReferenceId,
          connector: 'offline-erp',
          limit: 100,
        });
        return tries.length >= 3 ? tries : undefined;
      });
      for (const t of offlineTries)
        expect(t).toMatchObject({ status: 'retrying', failureKind: 'connection-lost' });
    } finally {
      await client.close();
    }

    // Per-queue metrics: depth by state, age of the oldest job not done, attempts by outcome.
    const metrics = await (await fetch(`${worker!.url}/metrics`)).text();
    const queue = `${config.links.queue}.offline-erp.om`;
    expect(metrics).toMatch(
      new RegExp(
        `ctxb_delivery_queue_jobs\\{queue="${queue}",state="(waiting|delayed|active)",app="worker"\\} [1-9]`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(
        `ctxb_delivery_oldest_job_age_seconds\\{queue="${queue}",app="worker"\\} [0-9.]*[1-9]`,
      ),
    );
    expect(metrics).toMatch(
      /ctxb_delivery_attempts_total\{connector="sample-erp",target="om",status="written",app="worker"\} [1-9]/,
    );
  }, 180_000);

  it('retries a write the ERP fails as a serialization failure (40001), and delivers it', async () => {
    const order = storyOrder(uniqueName('erp_serial'));
    await bookDocuments(erp, order);
    // The first two updates of this order fail as PostgreSQL fails a serializable transaction
    // (a sequence counts them: unlike a table, it is not rolled back with the failed write).
    await erp.query(`CREATE SEQUENCE serial_faults`);
    await erp.query(
      `CREATE FUNCTION fail_serially() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.order_no = '${order.orderId}' AND nextval('serial_faults') <= 2 THEN
           RAISE EXCEPTION 'could not serialize access due to concurrent update'
             USING ERRCODE = '40001';
         END IF;
         RETURN NEW;
       END $$`,
    );
    await erp.query(
      `CREATE TRIGGER serial_faults BEFORE UPDATE ON sales_order
       FOR EACH ROW EXECUTE FUNCTION fail_serially()`,
    );
    try {
      await produceEvents(createKafka(config.kafka, 'test'), order.events);
      const { context } = await linkedOrder(order.orderId);
      const client = createClickHouse(config.clickhouse);
      try {
        const tries = await new DeliveryLogStore(client).list({
          contextReferenceId: context.contextReferenceId,
          connector: 'sample-erp',
          target: 'om',
          limit: 100,
        });
        // A batch that fails is tried once more request by request before the job fails:
        // the two faults make one or two failed tries, then the write goes through.
        const retried = tries.filter((t) => t.status === 'retrying');
        expect(retried.length).toBeGreaterThanOrEqual(1);
        for (const t of retried) {
          expect(t.failureKind).toBe('deadlock');
          expect(t.error).toContain('[40001]');
        }
        expect(tries.filter((t) => t.status === 'dead-lettered')).toEqual([]);
      } finally {
        await client.close();
      }
    } finally {
      await erp.query(`DROP TRIGGER serial_faults ON sales_order`);
    }
  }, 180_000);

  it('waits for an order the ERP books only after its context exists, then links it', async () => {
    const order = storyOrder(uniqueName('erp_late'));
    await produceEvents(createKafka(config.kafka, 'test'), order.events);
    const client = createClickHouse(config.clickhouse);
    try {
      await poll(
        'the order link retried while the ERP has no such order',
        async () => {
          const context = await newestContext(order.orderId);
          if (!context) return undefined;
          const tries = await new DeliveryLogStore(client).list({
            contextReferenceId: context.contextReferenceId,
            target: 'om',
            status: 'retrying',
            limit: 10,
          });
          return tries.find((t) => t.failureKind === 'not-there-yet');
        },
        90_000,
      );
    } finally {
      await client.close();
    }
    await bookDocuments(erp, order);
    const { row, context } = await linkedOrder(order.orderId);
    expect(row.context_reference_id).toBe(context.contextReferenceId);
  }, 180_000);

  it('dead-letters a write the ERP refuses, and `ctxb dlq replay` delivers it once fixed', async () => {
    const order = storyOrder(uniqueName('erp_refused'));
    // The offline ERP's jobs are dead-lettered too, once their retries are used up.
    const sampleOm = `${config.links.queue}.sample-erp.om`;
    await bookDocuments(erp, order);
    // The ERP's administrator added a rule the channel breaks: the order write is refused.
    await erp.query(
      `ALTER TABLE sales_order ADD CONSTRAINT short_channel
       CHECK (first_touch_channel IS NULL OR length(first_touch_channel) <= 2) NOT VALID`,
    );
    try {
      await produceEvents(createKafka(config.kafka, 'test'), order.events);
      const letter = await poll(
        'the refused order write dead-lettered',
        async () => {
          const list = ctxb('dlq', 'list', '--json', '--queue', sampleOm);
          const page = JSON.parse(list.stdout) as {
            letters: {
              id: string;
              reason: string;
              failureKind: string;
              data: ContextRecord & { record: ContextRecord };
            }[];
          };
          return page.letters.find((l) => l.data.record.order.orderId === order.orderId);
        },
        90_000,
      );
      expect(letter.failureKind).toBe('constraint');
      expect(letter.reason).toMatch(/^constraint: writing: \[23514\]/);
      const shown = ctxb('dlq', 'show', letter.id);
      expect(shown.status).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: letter.id, failureKind: 'constraint' });
    } finally {
      await erp.query(`ALTER TABLE sales_order DROP CONSTRAINT short_channel`);
    }
    const letters = ctxb('dlq', 'list', '--json', '--queue', sampleOm);
    const ids = (
      JSON.parse(letters.stdout) as { letters: { id: string; data: { record: ContextRecord } }[] }
    ).letters
      .filter((l) => l.data.record.order.orderId === order.orderId)
      .map((l) => l.id);
    const replay = ctxb('dlq', 'replay', ...ids);
    expect(replay.stderr).toBe('');
    expect(replay.stdout).toContain(`replayed ${ids.length} link job(s)`);

    const { row, context } = await linkedOrder(order.orderId);
    expect(row.first_touch_channel).toBe(context.journey.firstTouch!.channel);
    const after = JSON.parse(ctxb('dlq', 'list', '--json', '--queue', sampleOm).stdout) as {
      letters: { data: { record: ContextRecord } }[];
    };
    expect(after.letters.filter((l) => l.data.record.order.orderId === order.orderId)).toEqual([]);
  }, 180_000);
});
