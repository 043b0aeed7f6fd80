import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkRequest } from '@ctxb/connector-sdk';
import type { ContextRecord } from '@ctxb/context';
import {
  loadOdbcProfile,
  OdbcConnections,
  OdbcLinkTarget,
  type OdbcProfile,
} from '@ctxb/odbc-connector';
import { connect } from 'odbc';
import { MARIADB, POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { psql } from '../../apps/cli/src/local-services/relational-database.local-service';
import { order12345Records } from '../support/order-12345-records';
import { uniqueName } from '../support/test-config';

const ROOT = join(__dirname, '..', '..');
const SQL_DIR = join(ROOT, 'docker', 'erp-sample', 'postgres');

function sampleErp(): OdbcProfile {
  const read = loadOdbcProfile(join(ROOT, 'config', 'connectors', 'sample-erp.yaml'), {});
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return read.profile;
}

const request = (record: ContextRecord): LinkRequest => ({
  contextReferenceId: record.contextReferenceId,
  version: record.version,
  record,
});

// Record by record, as on any database, and a batch in one statement, as on PostgreSQL.
describe.each(['other', 'postgresql'] as const)(
  'ODBC link target on the sample ERP (PostgreSQL, database: %s)',
  (kind) => {
    const database = uniqueName('erp_link').toLowerCase();
    const profile = sampleErp();
    const records = order12345Records();
    const last = records[records.length - 1];
    let connections: OdbcConnections;
    const target = (module: 'om' | 'ar' | 'gl', changes: object = {}) =>
      new OdbcLinkTarget(
        module,
        { ...profile.modules[module]!, ...changes },
        profile.quoting,
        connections,
        kind,
      );
    const rows = async <T>(sql: string) => {
      const db = await connections.connect();
      try {
        return (await db.query<T>(sql)).map((r) => ({ ...r }));
      } finally {
        await connections.release(db, false);
      }
    };

    const connectionString = `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${database};Username=${POSTGRES.user}`;

    beforeAll(async () => {
      await psql(['-c', `CREATE DATABASE ${database}`]);
      for (const script of readdirSync(SQL_DIR)
        .filter((f) => f.endsWith('.sql'))
        .sort())
        await psql(['-f', join(SQL_DIR, script)], database);
      connections = new OdbcConnections(connectionString, { size: 2, loginTimeoutSeconds: 5 });
    });
    afterAll(async () => {
      await connections?.close();
      await psql(['-c', `DROP DATABASE IF EXISTS ${database}`]);
    });

    const money = (document: string, amount: string, rows = 1) => ({
      amounts: [{ document, currency: 'EUR', amount, rows }],
    });

    it('links the story order, its invoice and its journal lines with the context summary', async () => {
      expect(last.correlations.invoices).toEqual(['INV-12345']);
      // Each write reads back the money the ERP holds, by the same key: the order's total, the
      // invoice's amount, the journal's revenue (credit less debit on the 4xxx accounts).
      expect(await target('om').write([request(last)])).toEqual([
        { status: 'written', recordIds: ['12345'], ...money('12345', '249.9') },
      ]);
      expect(await target('ar').write([request(last)])).toEqual([
        { status: 'written', recordIds: ['INV-12345'], ...money('INV-12345', '249.9') },
      ]);
      expect(await target('gl').write([request(last)])).toEqual([
        { status: 'written', recordIds: ['JE-12345'], ...money('JE-12345', '210') },
      ]);
      expect(
        await rows(
          `SELECT order_no, context_reference_id, context_version, first_touch_channel, primary_campaign,
          touchpoints, sessions, CAST(days_to_convert AS VARCHAR) AS days FROM sales_order ORDER BY order_no`,
        ),
      ).toEqual([
        {
          order_no: '12345',
          context_reference_id: last.contextReferenceId,
          context_version: last.version,
          first_touch_channel: last.journey.firstTouch!.channel,
          primary_campaign: last.journey.firstTouch!.campaign,
          touchpoints: last.journey.touchpoints.length,
          sessions: 5,
          days: `${last.journey.daysToConvert}.00`,
        },
        // The other order is not this context's: untouched.
        {
          order_no: '12346',
          context_reference_id: null,
          context_version: null,
          first_touch_channel: null,
          primary_campaign: null,
          touchpoints: null,
          sessions: null,
          days: null,
        },
      ]);
      const lines = await rows<{ line_no: number; context_reference_id: string; channel: string }>(
        `SELECT line_no, context_reference_id, channel FROM gl_journal_line WHERE journal_id = 'JE-12345' ORDER BY line_no`,
      );
      expect(lines).toEqual(
        [1, 2, 3].map((line_no) => ({
          line_no,
          context_reference_id: last.contextReferenceId,
          channel: last.journey.firstTouch!.channel,
        })),
      );
    });

    it('writes a version again without change, and never an older one over a newer', async () => {
      expect(await target('om').write([request(last)])).toEqual([
        { status: 'written', recordIds: ['12345'], ...money('12345', '249.9') },
      ]);
      const older = records[0];
      expect(older.version).toBeLessThan(last.version);
      expect(await target('om').write([request(older)])).toEqual([
        { status: 'current', recordIds: ['12345'], ...money('12345', '249.9') },
      ]);
      const [held] = await rows<{ context_version: number }>(
        `SELECT context_version FROM sales_order WHERE order_no = '12345'`,
      );
      expect(held.context_version).toBe(last.version);
    });

    it('waits for a record the ERP does not have yet, and has nothing to do without one', async () => {
      const unknown = { ...last, order: { ...last.order, orderId: '99999' } };
      const [outcome] = await target('om').write([request(unknown)]);
      expect(outcome.status === 'failed' && outcome.failure.kind).toBe('not-there-yet');
      expect(outcome.status === 'failed' && outcome.failure.retryable).toBe(true);
      const uninvoiced = { ...last, correlations: { ...last.correlations, invoices: [] } };
      expect(await target('ar').write([request(uninvoiced)])).toEqual([{ status: 'none' }]);
    });

    it('keeps the good records of a batch when the database refuses one', async () => {
      // A campaign longer than the column with its truncate step left out: the database refuses it.
      const columns = { ...profile.modules.om!.columns, primary_campaign: { from: 'campaign' } };
      const good = request({ ...last, version: last.version + 1 });
      const bad = request({ ...last, version: last.version + 2 });
      (bad.record as unknown as { campaign: string }).campaign = 'x'.repeat(500);
      const outcomes = await target('om', { columns }).write([bad, good]);
      expect(outcomes[0].status === 'failed' && outcomes[0].failure.kind).toBe('constraint');
      expect(outcomes[0].status === 'failed' && outcomes[0].failure.message).toMatch(/\[22001\]/);
      expect(outcomes[1]).toEqual({
        status: 'written',
        recordIds: ['12345'],
        ...money('12345', '249.9'),
      });
      const [held] = await rows<{ context_version: number }>(
        `SELECT context_version FROM sales_order WHERE order_no = '12345'`,
      );
      expect(held.context_version).toBe(last.version + 1);
    });

    it('reads back the money of every order of a batch, each its own', async () => {
      const other = { ...last, order: { ...last.order, orderId: '12346' } };
      const missing = { ...last, order: { ...last.order, orderId: '99999' } };
      const outcomes = await target('om').write([request(last), request(missing), request(other)]);
      expect(outcomes[0]).toMatchObject(money('12345', '249.9'));
      expect(outcomes[1].status === 'failed' && outcomes[1].failure.kind).toBe('not-there-yet');
      expect(outcomes[2]).toMatchObject(money('12346', '89'));
    });

    it('links a record whose insert commits while the link is being written', async () => {
      // The UPDATE waits in a trigger while another session commits the order: the UPDATE's
      // snapshot, taken as it began, has no such row; the probe after it has.
      await psql(
        [
          '-c',
          `CREATE FUNCTION hold_update() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER hold_update BEFORE UPDATE ON sales_order FOR EACH STATEMENT EXECUTE FUNCTION hold_update()`,
        ],
        database,
      );
      const booking = await connect(connectionString);
      try {
        await booking.beginTransaction();
        await booking.query(
          `INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount)
           VALUES ('55555', 'C-1001', '2026-03-15 10:00:00+00', 'EUR', 10.00)`,
        );
        const late = { ...last, order: { ...last.order, orderId: '55555' } };
        const writing = target('om').write([request(late)]);
        await new Promise((resolve) => setTimeout(resolve, 400));
        await booking.commit();
        const [outcome] = await writing;
        expect(outcome.status).toBe('written');
        expect(
          await rows(
            `SELECT context_reference_id, context_version FROM sales_order WHERE order_no = '55555'`,
          ),
        ).toEqual([
          { context_reference_id: late.contextReferenceId, context_version: late.version },
        ]);
      } finally {
        await booking.close();
        await psql(
          ['-c', 'DROP TRIGGER hold_update ON sales_order; DROP FUNCTION hold_update()'],
          database,
        );
      }
    });

    it('reads the money back once the links are committed: a failed read fails the requests, and their links stay in', async () => {
      const next = request({ ...last, version: last.version + 5 });
      const amounts = { ...profile.modules.om!.amounts!, amount: { column: 'no_such_total' } };
      const [outcome] = await target('om', { amounts }).write([next]);
      expect(outcome.status === 'failed' && outcome.failure.message).toMatch(/^reading amounts: /);
      const [held] = await rows<{ context_version: number }>(
        `SELECT context_version FROM sales_order WHERE order_no = '12345'`,
      );
      expect(held.context_version).toBe(last.version + 5);
      // Tried again, the profile mended: the same values written again, and the money read.
      expect(await target('om').write([next])).toEqual([
        { status: 'written', recordIds: ['12345'], ...money('12345', '249.9') },
      ]);
    });

    it('fails a batch as connection-lost when its server went away, and writes the next on a new connection', async () => {
      const next = (n: number) => request({ ...last, version: last.version + 10 + n });
      expect((await target('om').write([next(1)]))[0].status).toBe('written');
      // The pooled connection's server process ends while it is idle. psqlODBC answers the next
      // statement with no diagnostics at all ("Error getting information about parameters").
      await psql([
        '-c',
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`,
      ]);
      const [lost] = await target('om').write([next(2)]);
      expect(lost.status === 'failed' && lost.failure.kind).toBe('connection-lost');
      // The dead connection was closed, not pooled, and the idle one that died with it: the retry
      // connects afresh and goes through.
      expect(await target('om').write([next(3)])).toEqual([
        { status: 'written', recordIds: ['12345'], ...money('12345', '249.9') },
      ]);
    });

    it('reads amounts on their own: summed per currency, 0 with no rows for a document not there', async () => {
      await rows(
        `INSERT INTO gl_journal_line (journal_id, line_no, posting_date, account, debit, credit, currency, order_no)
       VALUES ('JE-12345', 4, current_date, '4010', 12.5, 0, 'EUR', '12345'),
              ('JE-12345', 5, current_date, '4000', 0, 100, 'USD', '12345')`,
      );
      try {
        expect(await target('gl').amounts(request(last))).toEqual([
          { document: 'JE-12345', currency: 'EUR', amount: '197.5', rows: 2 },
          { document: 'JE-12345', currency: 'USD', amount: '100', rows: 1 },
        ]);
        const elsewhere = { ...last, order: { ...last.order, orderId: '99999' } };
        expect(await target('om').amounts(request(elsewhere))).toEqual([
          { document: '99999', currency: '', amount: '0', rows: 0 },
        ]);
      } finally {
        await rows(`DELETE FROM gl_journal_line WHERE journal_id = 'JE-12345' AND line_no > 3`);
      }
    });
  },
);

describe('ODBC link target on an ERPNext-shaped table (MariaDB, backtick quoting)', () => {
  const table = `tabSales Order ${uniqueName('it')}`;
  const records = order12345Records();
  const last = records[records.length - 1];

  it('finds the order by the shop order number and sets the custom fields', async () => {
    const db = await connect(`DSN=${MARIADB.dsn}`);
    try {
      await db.query(
        `CREATE TABLE \`${table}\` (name VARCHAR(140) PRIMARY KEY, po_no VARCHAR(140), grand_total DECIMAL(18,6),
          custom_context_reference_id VARCHAR(40), custom_context_version INT,
          custom_first_touch_channel VARCHAR(140))`,
      );
      await db.query(
        `INSERT INTO \`${table}\` (name, po_no, grand_total) VALUES ('SAL-ORD-2026-00001', '12345', 249.9)`,
      );
      const module = {
        table,
        mode: 'link' as const,
        each: 'order' as const,
        key: { po_no: { from: 'order.orderId' } },
        columns: {
          custom_context_reference_id: { from: 'contextReferenceId' },
          custom_context_version: { from: 'version' },
          custom_first_touch_channel: { from: 'journey.firstTouch.channel' },
        },
        versionColumn: 'custom_context_version',
        waitForRecordMinutes: 60,
        amounts: { amount: { column: 'grand_total' }, where: [] },
      };
      const own = new OdbcConnections(`DSN=${MARIADB.dsn}`, { size: 1, loginTimeoutSeconds: 5 });
      const linked = new OdbcLinkTarget('om', module, 'backtick', own);
      expect(await linked.write([request(last)])).toEqual([
        {
          status: 'written',
          recordIds: ['12345'],
          amounts: [{ document: '12345', currency: '', amount: '249.9', rows: 1 }],
        },
      ]);
      await own.close();
      const rows = await db.query<Record<string, unknown>>(
        `SELECT custom_context_reference_id, custom_context_version, custom_first_touch_channel FROM \`${table}\``,
      );
      expect(rows.map((r) => ({ ...r }))).toEqual([
        {
          custom_context_reference_id: last.contextReferenceId,
          custom_context_version: last.version,
          custom_first_touch_channel: last.journey.firstTouch!.channel,
        },
      ]);
    } finally {
      await db.query(`DROP TABLE IF EXISTS \`${table}\``);
      await db.close();
    }
  });
});
