import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContextRecord } from '@ctxb/context';
import type { LinkJobData } from '@ctxb/delivery';
import type { CloudEvent } from '@ctxb/events';
import {
  ContextRecordStore,
  createClickHouse,
  DeliveryLogStore,
  ErpAmountStore,
  erpReconciliation,
} from '@ctxb/store';
import { checkPanelLink } from '@ctxb/panel';
import { createKafka, engineConsumerGroups } from '@ctxb/streaming';
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
import { runCli } from '../support/processes';
import { SalesforceDouble } from '../support/salesforce-double';
import { freePort, uniqueName } from '../support/test-config';
import { withLockWait } from '../support/event-time-lock';

const ROOT = join(__dirname, '..', '..');

/** Stories told so far: each is dated after the one before. */
let stories = 0;

/**
 * The story order of one run, with its own order, invoice and journal numbers, dated decades
 * ahead like the other engine tests' traffic, and a returning visit a day later that moves the
 * engine's event time on so the last versions are due. Each story is dated ten days after the
 * one before, past its returning visit: its events arrive in time, as a shop's would, rather
 * than behind the clock the previous story moved on (late events are the engine tests' subject).
 */
function storyOrder(run: string) {
  const { events, orderId, anonymousId, customerId } = storyOfRun(run, 365 * 75 + 10 * stories++);
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
  return {
    events: [...renamed, returningVisit(renamed, anonymousId, `${run}-returns`)],
    orderId,
    customerId,
    invoiceNo: `INV-${orderId}`,
    journalId: `JE-${orderId}`,
  };
}

type StoryOrder = ReturnType<typeof storyOrder>;

/** The reference ERP's own documents of a story order, booked before any context. */
async function bookSampleErp(erp: ErpTestDatabases, order: StoryOrder) {
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

/** The same documents as Odoo books them: a sale order, an invoice and a journal entry. */
async function bookOdoo(erp: ErpTestDatabases, order: StoryOrder) {
  await erp.query(
    `INSERT INTO odoo.sale_order (name, client_order_ref, partner_id, date_order, currency_id, amount_total)
     VALUES ('S-${order.orderId}', '${order.orderId}', 7, now(), 1, 249.90)`,
  );
  await erp.query(
    `INSERT INTO odoo.account_move (name, move_type, invoice_origin, invoice_date, date, currency_id, amount_total)
     VALUES ('${order.invoiceNo}', 'out_invoice', 'S-${order.orderId}', current_date, current_date, 1, 249.90)`,
  );
  const [{ id }] = await erp.query<{ id: number }>(
    `INSERT INTO odoo.account_move (name, move_type, date, currency_id)
     VALUES ('${order.journalId}', 'entry', current_date, 1) RETURNING id`,
  );
  await erp.query(
    `INSERT INTO odoo.account_move_line (move_id, move_name, date, account_id, debit, credit, balance) VALUES
     (${id}, '${order.journalId}', current_date, 121, 249.90, 0, 249.90),
     (${id}, '${order.journalId}', current_date, 400, 0, 210.00, -210.00),
     (${id}, '${order.journalId}', current_date, 251, 0, 39.90, -39.90)`,
  );
}

/** And as ERPNext books them: Sales Order (the shop's number as po_no), Sales Invoice, GL Entries. */
async function bookErpnext(erp: ErpTestDatabases, order: StoryOrder) {
  await erp.query(
    `INSERT INTO \`tabSales Order\` (name, po_no, customer, currency, grand_total, docstatus)
     VALUES ('SAL-ORD-${order.orderId}', '${order.orderId}', 'Ada Lovelace', 'EUR', 249.90, 1)`,
    'mariadb',
  );
  await erp.query(
    `INSERT INTO \`tabSales Invoice\` (name, customer, currency, grand_total, docstatus)
     VALUES ('${order.invoiceNo}', 'Ada Lovelace', 'EUR', 249.90, 1)`,
    'mariadb',
  );
  await erp.query(
    `INSERT INTO \`tabGL Entry\` (name, account, debit, credit, voucher_type, voucher_no) VALUES
     ('${order.journalId}-1', 'Debtors - CB', 249.90, 0, 'Journal Entry', '${order.journalId}'),
     ('${order.journalId}-2', 'Sales - CB', 0, 210.00, 'Journal Entry', '${order.journalId}'),
     ('${order.journalId}-3', 'VAT - CB', 0, 39.90, 'Journal Entry', '${order.journalId}')`,
    'mariadb',
  );
}

/**
 * The order in every ERP that links (EBS is staged into: nothing to book), and its customer's
 * Account in the CRM (the Opportunity is related to it by the customer number).
 */
async function bookDocuments(erp: ErpTestDatabases, order: StoryOrder, crm: SalesforceDouble) {
  crm.insert('Account', { Name: 'Ada Lovelace', Customer_Number__c: order.customerId });
  await bookSampleErp(erp, order);
  await bookOdoo(erp, order);
  await bookErpnext(erp, order);
}

describe('ERP delivery: events on Kafka → engine → BullMQ → worker → rows in four ERPs', () => {
  const erp = new ErpTestDatabases();
  /** The CRM beside the ERPs: the shipped Salesforce profile, signing in to the REST double. */
  const salesforce = new SalesforceDouble({
    clientId: 'ctxb-e2e',
    clientSecret: 'e2e-secret',
    username: 'integration@example.com',
    password: 'pw',
  });
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
    explained(
      orderId,
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
      ),
    );
  /** A wait that, when it fails, says what the delivery log holds for the order. */
  const explained = async <T>(orderId: string, waiting: Promise<T>): Promise<T> => {
    try {
      return await waiting;
    } catch (error) {
      const context = await newestContext(orderId).catch(() => undefined);
      // The offline ERP's retries fill the newest entries: the sample ERP's are listed apart.
      const deliveries = async (...filter: string[]) =>
        (await ctxb('deliveries', 'list', '--ref', context!.contextReferenceId, ...filter)).stdout;
      const [header] = await erp
        .query(
          `SELECT context_version, first_touch_channel FROM sales_order WHERE order_no = '${orderId}'`,
        )
        .catch(() => []);
      const constraints = await erp
        .query(`SELECT conname FROM pg_constraint WHERE conrelid = 'sales_order'::regclass`)
        .catch(() => []);
      const log = context
        ? `context v${context.version}, first touch ${JSON.stringify(context.journey.firstTouch?.channel ?? null)}; ` +
          `order header ${JSON.stringify(header ?? null)}; sales_order constraints ${JSON.stringify(constraints)}\n` +
          `${await deliveries('--connector', 'sample-erp', '--limit', '40')}\nall connectors:\n${await deliveries('--limit', '20')}\ndead letters:\n${(await ctxb('dlq', 'list')).stdout}`
        : 'no context stored';
      throw new Error(`${(error as Error).message}\ndelivery log:\n${log}`, { cause: error });
    }
  };
  /** The CLI, run without blocking this process: the worker it waits for runs here. */
  const ctxb = (...args: string[]) =>
    runCli(args, {
      cwd: ROOT,
      env: {
        ...process.env,
        CTXB_REDIS_KEY_PREFIX: config.redis.keyPrefix,
        CTXB_LINKS_QUEUE: config.links.queue,
        CTXB_CLICKHOUSE_DATABASE: config.clickhouse.database,
      },
    });

  beforeAll(async () => {
    await erp.create();
    const loginUrl = await salesforce.start();
    const crmProfile = join(mkdtempSync(join(tmpdir(), 'ctxb-crm-')), 'salesforce.yaml');
    writeFileSync(
      crmProfile,
      readFileSync(join(ROOT, 'config', 'connectors', 'salesforce.yaml'), 'utf8').replace(
        /\nauth:\n( {2}.*\n)+/,
        `\nauth: { flow: password, loginUrl: '${loginUrl}', clientId: ctxb-e2e, clientSecret: e2e-secret, username: integration@example.com, password: pw }\n`,
      ),
    );
    // A second ERP that is down the whole time: the first must not notice.
    const offline = erp.postgres.replace(/Port=\d+/, `Port=${await freePort()}`);
    const limits = { concurrency: 16, maxPerSecond: 0 };
    config = engineTestConfig((c) => {
      c.log.level = process.env.TEST_LOG ?? 'silent';
      c.links.connectors = [
        { profile: erp.profile('sample-erp'), ...limits },
        { profile: erp.profile('odoo'), ...limits },
        { profile: erp.profile('erpnext'), ...limits },
        { profile: erp.profile('ebs'), ...limits },
        { profile: erp.profile('sample-erp', 'offline-erp', offline), ...limits },
        { profile: crmProfile, ...limits },
      ];
      // Retried all test long: the offline ERP's jobs wait for it, never dead-lettered.
      c.links.retry = { attempts: 1000, backoffMs: 100, maxBackoffMs: 1000 };
    });
    engine = await startTestEngine(config);
    worker = await startInProcess(workerApp, config);
    const kafka = createKafka(config.kafka, 'test');
    const { intake, context } = engineConsumerGroups(config.engine.groupId);
    await waitForGroups(kafka, [intake, context]);
  }, withLockWait(300_000));
  afterAll(async () => {
    await worker?.close();
    await engine?.close();
    await erp.drop();
    await salesforce.stop();
  });

  it('links the order, its invoice and its revenue journal with the context summary', async () => {
    const order = storyOrder(uniqueName('erp'));
    await bookDocuments(erp, order, salesforce);
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
      // And into the CRM: one Opportunity upserted by the reference, with the summary; its id
      // drills down like the ERP's.
      const opportunity = await poll('Opportunity upserted', async () =>
        salesforce
          .recordsOf('Opportunity')
          .find(
            (r) =>
              r.Context_Reference_Id__c === context.contextReferenceId &&
              r.Context_Version__c === context.version,
          ),
      );
      const [account] = salesforce
        .recordsOf('Account')
        .filter((a) => a.Customer_Number__c === order.customerId);
      expect(opportunity).toMatchObject({
        AccountId: account.Id,
        Name: order.orderId,
        Amount: context.order.total,
        First_Touch_Channel__c: context.journey.firstTouch!.channel,
        Primary_Campaign__c: context.journey.firstTouch!.campaign,
        Sessions__c: context.sessions.count,
      });
      expect(
        salesforce
          .recordsOf('Opportunity')
          .filter((r) => r.Context_Reference_Id__c === context.contextReferenceId),
      ).toHaveLength(1);
      // With it, the signed link that opens the journey panel from the CRM record.
      const panel = new URL(String(opportunity.Context_Drill_Down_URL__c));
      expect(`${panel.origin}${panel.pathname}`).toBe(
        `${config.panel.publicUrl}/panel/${context.contextReferenceId}`,
      );
      expect(
        checkPanelLink(
          config.panel.secret,
          context.contextReferenceId,
          panel.searchParams.get('expires') ?? undefined,
          panel.searchParams.get('signature') ?? undefined,
          Date.now(),
        ),
      ).toBe('valid');
      const fromCrm = await poll('the Opportunity drills down', async () => {
        const contexts = await store.contextsOfDocument('crm', String(opportunity.Id));
        return contexts.length > 0 ? contexts : undefined;
      });
      expect(fromCrm.map((c) => c.contextReferenceId)).toEqual([context.contextReferenceId]);
      // Every try is in the delivery log, the newest version's writes among them.
      // (The log is stored a moment after the write: a job waits only for Redis.)
      await poll('the writes in the delivery log', async () => {
        const log = await new DeliveryLogStore(client).list({
          contextReferenceId: context.contextReferenceId,
          limit: 100,
        });
        const done = (target: string) =>
          log.some(
            (e) =>
              e.connector === 'sample-erp' &&
              e.target === target &&
              e.version === context.version &&
              (e.status === 'written' || e.status === 'current'),
          );
        return ['om', 'ar', 'gl'].every(done) ? true : undefined;
      });
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

  it('links the order into Odoo and ERPNext, and stages it into the EBS open interfaces', async () => {
    const order = storyOrder(uniqueName('erp_shapes'));
    await bookDocuments(erp, order, salesforce);
    await produceEvents(createKafka(config.kafka, 'test'), order.events);
    const { context } = await linkedOrder(order.orderId);
    const first = context.journey.firstTouch!;
    const newest = async <T extends Record<string, unknown>>(
      what: string,
      sql: string,
      database: 'postgres' | 'mariadb' = 'postgres',
      version = (row: T) => Number(row.version),
    ) =>
      poll(what, async () => {
        const rows = await erp.query<T>(sql, database);
        return rows.length > 0 && rows.every((r) => version(r) === context.version)
          ? rows
          : undefined;
      });

    // Odoo: custom x_ fields, found by the shop's order number, the invoice and the entry's
    // name; the campaign as the journal items' analytic distribution.
    const [sale] = await newest(
      'Odoo sale order',
      `SELECT x_context_reference_id AS ref, x_context_version AS version, x_first_touch_channel AS channel,
        x_campaign AS campaign, x_touchpoints AS touchpoints, x_days_to_convert AS days
       FROM odoo.sale_order WHERE client_order_ref = '${order.orderId}'`,
    );
    expect(sale).toMatchObject({
      ref: context.contextReferenceId,
      channel: first.channel,
      campaign: first.campaign,
      touchpoints: context.journey.touchpoints.length,
    });
    expect(Number(sale.days)).toBe(context.journey.daysToConvert);
    const [move] = await newest(
      'Odoo invoice',
      `SELECT x_context_reference_id AS ref, x_context_version AS version, x_channel AS channel
       FROM odoo.account_move WHERE name = '${order.invoiceNo}'`,
    );
    expect(move).toMatchObject({ ref: context.contextReferenceId, channel: first.channel });
    const items = await newest(
      'Odoo journal items',
      `SELECT x_context_reference_id AS ref, x_context_version AS version,
        analytic_distribution::text AS analytic
       FROM odoo.account_move_line WHERE move_name = '${order.journalId}'`,
    );
    expect(items).toHaveLength(3);
    for (const item of items)
      expect(item).toMatchObject({ ref: context.contextReferenceId, analytic: '{"1": 100}' });

    // ERPNext on MariaDB: custom_ fields on the Sales Order (by po_no), the Sales Invoice and
    // every GL Entry of the voucher.
    const [salesOrder] = await newest(
      'ERPNext sales order',
      `SELECT custom_context_reference_id AS ref, custom_context_version AS version,
        custom_first_touch_channel AS channel, custom_campaign AS campaign
       FROM \`tabSales Order\` WHERE po_no = '${order.orderId}'`,
      'mariadb',
    );
    expect(salesOrder).toMatchObject({
      ref: context.contextReferenceId,
      channel: first.channel,
      campaign: first.campaign,
    });
    await newest(
      'ERPNext sales invoice',
      `SELECT custom_context_version AS version FROM \`tabSales Invoice\` WHERE name = '${order.invoiceNo}'`,
      'mariadb',
    );
    const entries = await newest(
      'ERPNext GL entries',
      `SELECT custom_context_reference_id AS ref, custom_context_version AS version, custom_channel AS channel
       FROM \`tabGL Entry\` WHERE voucher_no = '${order.journalId}'`,
      'mariadb',
    );
    expect(entries).toEqual(
      [1, 2, 3].map(() => ({
        ref: context.contextReferenceId,
        version: context.version,
        channel: first.channel,
      })),
    );

    // EBS: one interface row per staged version, the newest holding the newest context;
    // each version at most once.
    const stagedOrders = await poll('EBS order import rows', async () => {
      const rows = await erp.query<Record<string, unknown>>(
        `SELECT "CHANGE_SEQUENCE" AS seq, "OPERATION_CODE" AS op, "ATTRIBUTE1" AS ref,
          "ATTRIBUTE2" AS channel, "ATTRIBUTE4" AS campaign, "READY_FLAG" AS ready
         FROM ebs."OE_HEADERS_IFACE_ALL"
         WHERE "ORDER_SOURCE_ID" = 1001 AND "ORIG_SYS_DOCUMENT_REF" = '${order.orderId}'
         ORDER BY "CHANGE_SEQUENCE"`,
      );
      return rows.some((r) => Number(r.seq) === context.version) ? rows : undefined;
    });
    const sequences = stagedOrders.map((r) => r.seq as string);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(stagedOrders[stagedOrders.length - 1]).toEqual({
      seq: String(context.version).padStart(10, '0'),
      op: 'UPDATE',
      ref: context.contextReferenceId,
      channel: first.channel,
      campaign: first.campaign,
      ready: 'Y',
    });
    const stagedInvoice = await poll('EBS AutoInvoice row', async () => {
      const rows = await erp.query<Record<string, unknown>>(
        `SELECT "INTERFACE_LINE_ATTRIBUTE2" AS seq, "ATTRIBUTE1" AS ref, "TRX_NUMBER" AS trx
         FROM ebs."RA_INTERFACE_LINES_ALL"
         WHERE "INTERFACE_LINE_CONTEXT" = 'CONTEXT BRIDGE' AND "INTERFACE_LINE_ATTRIBUTE1" = '${order.invoiceNo}'`,
      );
      return rows.find((r) => Number(r.seq) === context.version);
    });
    expect(stagedInvoice.ref).toBe(context.contextReferenceId);
    const stagedJournal = await poll('EBS journal import row', async () => {
      const rows = await erp.query<Record<string, unknown>>(
        `SELECT "REFERENCE22" AS seq, "STATUS" AS status, "ATTRIBUTE1" AS ref, "ATTRIBUTE3" AS campaign
         FROM ebs."GL_INTERFACE" WHERE "REFERENCE4" = '${order.journalId}' AND "REFERENCE21" = '${order.orderId}'`,
      );
      return rows.find((r) => Number(r.seq) === context.version);
    });
    expect(stagedJournal).toMatchObject({
      status: 'NEW',
      ref: context.contextReferenceId,
      campaign: first.campaign,
    });

    // The read path: after linking, the worker read back what each ERP holds (order total,
    // invoice, revenue lines only) and the CRM (the Opportunity's amount), and the
    // reconciliation report sets it beside the context.
    const opportunity = salesforce
      .recordsOf('Opportunity')
      .find((r) => r.Context_Reference_Id__c === context.contextReferenceId)!;
    const client = createClickHouse(config.clickhouse);
    try {
      const readings = await poll('ERP and CRM amounts read back', async () => {
        const found = await new ErpAmountStore(client).ofContext(context.contextReferenceId);
        const newest = found.filter((r) => r.version === context.version);
        return newest.length === 10 ? newest : undefined;
      });
      const eur = (connector: string) => (connector === 'odoo' ? '' : 'EUR');
      expect(
        readings.map((r) => [r.connector, r.target, r.document, r.currency, r.amount]),
      ).toEqual(
        ['erpnext', 'odoo', 'salesforce', 'sample-erp'].flatMap((connector) =>
          connector === 'salesforce'
            ? [[connector, 'crm', opportunity.Id, '', '249.90']]
            : [
                [connector, 'ar', order.invoiceNo, eur(connector), '249.90'],
                [
                  connector,
                  'gl',
                  order.journalId,
                  connector === 'erpnext' ? '' : eur(connector),
                  '210.00',
                ],
                [connector, 'om', order.orderId, eur(connector), '249.90'],
              ],
        ),
      );
      const placed = Date.parse(context.order.placedAt);
      const report = await erpReconciliation(client, {
        from: new Date(placed - 1000),
        to: new Date(placed + 1000),
        differences: 10,
      });
      // Other tests' story orders share the placed time: every one agrees with its ERPs.
      for (const connector of ['erpnext', 'odoo', 'salesforce', 'sample-erp']) {
        const rows = report.rows.filter((r) => r.connector === connector);
        expect(rows.map((r) => [r.target, r.currency])).toEqual(
          connector === 'salesforce'
            ? [['crm', 'EUR']]
            : [
                ['ar', 'EUR'],
                ['gl', 'EUR'],
                ['om', 'EUR'],
              ],
        );
        for (const row of rows)
          expect(row).toMatchObject({ differing: 0, erp: row.context, difference: '0.00' });
      }
      expect(report.differences).toEqual([]);
    } finally {
      await client.close();
    }
  }, 180_000);

  it('retries a write the ERP fails as a serialization failure (40001), and delivers it', async () => {
    const order = storyOrder(uniqueName('erp_serial'));
    await bookDocuments(erp, order, salesforce);
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
        const tries = await poll('the write in the delivery log', async () => {
          const logged = await new DeliveryLogStore(client).list({
            contextReferenceId: context.contextReferenceId,
            connector: 'sample-erp',
            target: 'om',
            limit: 100,
          });
          return logged.some((t) => t.version === context.version && t.status === 'written')
            ? logged
            : undefined;
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
    await bookDocuments(erp, order, salesforce);
    const { row, context } = await linkedOrder(order.orderId);
    expect(row.context_reference_id).toBe(context.contextReferenceId);
  }, 180_000);

  it('dead-letters a write the ERP refuses, and `ctxb dlq replay` delivers it once fixed', async () => {
    const order = storyOrder(uniqueName('erp_refused'));
    // The offline ERP's jobs are dead-lettered too, once their retries are used up.
    const sampleOm = `${config.links.queue}.sample-erp.om`;
    await bookDocuments(erp, order, salesforce);
    // The ERP's administrator added a rule the channel breaks: the order write is refused.
    await erp.query(
      `ALTER TABLE sales_order ADD CONSTRAINT short_channel
       CHECK (first_touch_channel IS NULL OR length(first_touch_channel) <= 2) NOT VALID`,
    );
    try {
      await produceEvents(createKafka(config.kafka, 'test'), order.events);
      const letter = await explained(
        order.orderId,
        poll(
          'the refused order write dead-lettered',
          async () => {
            const list = await ctxb('dlq', 'list', '--json', '--queue', sampleOm);
            const page = JSON.parse(list.stdout) as {
              letters: {
                id: string;
                reason: string;
                failureKind: string;
                data: LinkJobData;
              }[];
            };
            return page.letters.find((l) => l.data.orderId === order.orderId);
          },
          90_000,
        ),
      );
      expect(letter.failureKind).toBe('constraint');
      expect(letter.reason).toMatch(/^constraint: writing: \[23514\]/);
      const shown = await ctxb('dlq', 'show', letter.id);
      expect(shown.status).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: letter.id, failureKind: 'constraint' });
    } finally {
      await erp.query(`ALTER TABLE sales_order DROP CONSTRAINT short_channel`);
    }
    const lettersOfOrder = async () =>
      (
        JSON.parse((await ctxb('dlq', 'list', '--json', '--queue', sampleOm)).stdout) as {
          letters: { id: string; data: LinkJobData }[];
        }
      ).letters
        .filter((l) => l.data.orderId === order.orderId)
        .map((l) => l.id);
    const ids = await lettersOfOrder();
    const replay = await ctxb('dlq', 'replay', ...ids);
    expect(replay.stderr).toBe('');
    expect(replay.stdout).toContain(`replayed ${ids.length} link job(s)`);

    // A later version's job refused while the rule was still there is dead-lettered a moment
    // after the list above: replayed too once it is there.
    const { row, context } = await explained(
      order.orderId,
      poll(
        `order ${order.orderId} linked with its newest context version`,
        async () => {
          const late = await lettersOfOrder();
          if (late.length > 0) await ctxb('dlq', 'replay', ...late);
          const newest = await newestContext(order.orderId);
          const [held] = await erp.query<Record<string, unknown>>(
            `SELECT * FROM sales_order WHERE order_no = '${order.orderId}'`,
          );
          return newest && held?.context_version === newest.version
            ? { row: held, context: newest }
            : undefined;
        },
        90_000,
      ),
    );
    expect(row.first_touch_channel).toBe(context.journey.firstTouch!.channel);
    const after = JSON.parse((await ctxb('dlq', 'list', '--json', '--queue', sampleOm)).stdout) as {
      letters: { data: LinkJobData }[];
    };
    expect(after.letters.filter((l) => l.data.orderId === order.orderId)).toEqual([]);
  }, 180_000);
});
