import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { LinkOutcome, LinkRequest } from '@ctxb/connector-sdk';
import type { ContextRecord } from '@ctxb/context';
import {
  loadOdbcProfile,
  OdbcConnections,
  OdbcLinkTarget,
  type ConnectionSource,
  type ErpModule,
  type OdbcProfile,
} from '@ctxb/odbc-connector';
import type { Connection } from 'odbc';
import { POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { psql } from '../../apps/cli/src/local-services/relational-database.local-service';
import { storyCopy } from '../support/order-12345-records';
import { uniqueName } from '../support/test-config';

const ROOT = join(__dirname, '..', '..');
const SQL_DIR = join(ROOT, 'docker', 'erp-sample', 'postgres');

function shipped(name: string): OdbcProfile {
  const read = loadOdbcProfile(join(ROOT, 'config', 'connectors', `${name}.yaml`), {});
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return read.profile;
}

/** Orders 1 to 4 are in the ERP with an invoice and a two-line journal each; order 5 is not. */
const ORDERS = [1, 2, 3, 4, 5];
const IN_ERP = ORDERS.slice(0, 4);

/**
 * The tables each module links, the rows of the orders above, and the columns compared: the
 * context columns, as text (a jsonb column as its JSON).
 */
const TABLES: Record<string, { table: string; where: string; order: string; columns: string[] }> = {
  'sample-erp.om': {
    table: 'sales_order',
    where: "order_no LIKE 'B%'",
    order: 'order_no',
    columns: ['context_reference_id', 'context_version', 'first_touch_channel', 'days_to_convert'],
  },
  'sample-erp.ar': {
    table: 'ar_invoice',
    where: "invoice_no LIKE 'BI%'",
    order: 'invoice_no',
    columns: ['context_reference_id', 'context_version', 'channel', 'campaign'],
  },
  'sample-erp.gl': {
    table: 'gl_journal_line',
    where: "journal_id LIKE 'BJ%'",
    order: 'journal_id, line_no',
    columns: ['context_reference_id', 'context_version', 'channel', 'campaign'],
  },
  'odoo.gl': {
    table: 'odoo.account_move_line',
    where: "move_name LIKE 'BJ%'",
    order: 'id',
    columns: ['x_context_reference_id', 'x_context_version', 'x_channel', 'analytic_distribution'],
  },
};

/**
 * On PostgreSQL a batch of links goes in one statement per set of columns. Whatever the batch
 * (records there or not yet, newer versions held, version 0 beside assembled versions, one
 * order named twice), it leaves the ERP exactly as linking record by record does, and answers
 * each request alike: a request a newer version of the same record in the batch took the
 * place of is `current`, where record by record it may have been written first.
 */
describe('ODBC batch links on PostgreSQL, against record by record', () => {
  const database = uniqueName('erp_batch').toLowerCase();
  let connections: OdbcConnections;

  beforeAll(async () => {
    await psql(['-c', `CREATE DATABASE ${database}`]);
    for (const script of readdirSync(SQL_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort())
      await psql(['-q', '-f', join(SQL_DIR, script)], database);
    const seed = IN_ERP.map(
      (n) => `
      INSERT INTO sales_order (order_no, customer_no, order_date, currency, total_amount)
        VALUES ('B${n}', 'C-1001', now(), 'EUR', ${n}0.50);
      INSERT INTO ar_invoice (invoice_no, order_no, customer_no, invoice_date, currency, amount)
        VALUES ('BI${n}', 'B${n}', 'C-1001', now(), 'EUR', ${n}0.50);
      INSERT INTO gl_journal_line (journal_id, line_no, posting_date, account, debit, credit, currency, order_no)
        VALUES ('BJ${n}', 1, now(), '1200', ${n}0.50, 0, 'EUR', 'B${n}'),
               ('BJ${n}', 2, now(), '4000', 0, ${n}0.50, 'EUR', 'B${n}');
      INSERT INTO odoo.account_move (name, move_type, date, currency_id) VALUES ('BJ${n}', 'entry', now(), 1);
      INSERT INTO odoo.account_move_line (move_id, move_name, date, account_id, credit)
        SELECT id, name, now(), 400, ${n}0.50 FROM odoo.account_move WHERE name = 'BJ${n}';
      INSERT INTO odoo.account_move_line (move_id, move_name, date, account_id, debit)
        SELECT id, name, now(), 120, ${n}0.50 FROM odoo.account_move WHERE name = 'BJ${n}';`,
    ).join('\n');
    await psql(['-q', '-c', seed], database);
    connections = new OdbcConnections(
      `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${database};Username=${POSTGRES.user}`,
      { size: 2, loginTimeoutSeconds: 5 },
    );
  });
  afterAll(async () => {
    await connections?.close();
    await psql(['-c', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]);
  });

  async function sql<T>(text: string): Promise<T[]> {
    const db = await connections.connect();
    try {
      return (await db.query<T>(text)).map((r) => ({ ...r }));
    } finally {
      await connections.release(db, false);
    }
  }

  /** The ERP as each order's held version leaves it: context columns empty but the version. */
  async function reset(name: string, versionColumn: string, held: (number | null)[]) {
    const { table, where, columns } = TABLES[name];
    await sql(`UPDATE ${table} SET ${columns.map((c) => `${c} = NULL`).join(', ')} WHERE ${where}`);
    for (const [i, version] of held.entries())
      if (version !== null)
        await sql(
          `UPDATE ${table} SET ${versionColumn} = ${version} WHERE ${where.replace("'B", `'B${i + 1}`).replace('%', '')}`,
        );
  }

  async function state(name: string) {
    const { table, where, order, columns } = TABLES[name];
    return sql(
      `SELECT ${columns.map((c) => `CAST(${c} AS text) AS ${c}`).join(', ')} FROM ${table} WHERE ${where} ORDER BY ${order}`,
    );
  }

  function request(order: number, version: number): LinkRequest {
    const story = storyCopy(`B${order}`);
    const record: ContextRecord = {
      ...story,
      version,
      correlations: { ...story.correlations, invoices: [`BI${order}`], journals: [`BJ${order}`] },
    };
    return { contextReferenceId: record.contextReferenceId, version, record };
  }

  const batches = fc.record({
    requests: fc.array(
      fc.record({ order: fc.constantFrom(...ORDERS), version: fc.integer({ min: 0, max: 4 }) }),
      { minLength: 2, maxLength: 10 },
    ),
    held: fc.array(fc.option(fc.integer({ min: 0, max: 4 })), {
      minLength: IN_ERP.length,
      maxLength: IN_ERP.length,
    }),
  });

  const modules: [string, ErpModule][] = [
    ['sample-erp', 'om'],
    ['sample-erp', 'ar'],
    ['sample-erp', 'gl'],
    ['odoo', 'gl'],
  ];

  it.each(modules)('%s %s: the same ERP rows and the same answers', async (profileName, module) => {
    const profile = shipped(profileName);
    expect(profile.database).toBe('postgresql');
    const settings = profile.modules[module]!;
    const name = `${profileName}.${module}`;
    const byRecord = new OdbcLinkTarget(module, settings, profile.quoting, connections, 'other');
    const statements: string[] = [];
    const inOne = new OdbcLinkTarget(
      module,
      settings,
      profile.quoting,
      recording(connections, statements),
      'postgresql',
    );
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(batches, async ({ requests, held }) => {
        const batch = requests.map((r) => request(r.order, r.version));
        await reset(name, settings.versionColumn!, held);
        const expected = await byRecord.write(batch);
        const expectedRows = await state(name);
        await reset(name, settings.versionColumn!, held);
        statements.length = 0;
        const got = await inOne.write(batch);
        // One UPDATE per set of columns: never a statement per record.
        const updates = statements.filter((text) => /\bUPDATE\b/.test(text));
        expect(updates.length).toBeGreaterThan(0);
        expect(updates.every((text) => text.startsWith('WITH v AS'))).toBe(true);
        // Version 0 sets fewer columns: a statement of its own, for the orders named at no
        // higher version.
        const newest = requests.filter((_, i) => !supersededInBatch(requests, i));
        expect(updates.length).toBe(new Set(newest.map((r) => r.version === 0)).size);
        expect(await state(name)).toEqual(expectedRows);
        expect(got).toEqual(
          expected.map((outcome, i) =>
            supersededInBatch(requests, i) ? asCurrent(outcome) : outcome,
          ),
        );
        ran++;
      }),
      { numRuns: 30 },
    );
    expect(ran).toBe(30);
    if (name === 'odoo.gl') {
      // A jsonb column takes the mapped JSON text as JSON, as a parameter of its own does.
      await reset(name, settings.versionColumn!, [null, null, null, null]);
      await inOne.write([request(1, 3), request(2, 3)]);
      expect(
        await sql(
          `SELECT jsonb_typeof(analytic_distribution) AS kind FROM odoo.account_move_line WHERE move_name IN ('BJ1', 'BJ2')`,
        ),
      ).toEqual([{ kind: 'object' }, { kind: 'object' }, { kind: 'object' }, { kind: 'object' }]);
    }
  });
});

/** Whether a newer version of the same order comes anywhere in the batch. */
function supersededInBatch(requests: { order: number; version: number }[], i: number): boolean {
  const { order, version } = requests[i];
  return requests.some((r) => r.order === order && r.version > version);
}

/** The connections, with the text of every statement run on them kept in `statements`. */
function recording(connections: OdbcConnections, statements: string[]): ConnectionSource {
  const lent = new WeakMap<object, Connection>();
  return {
    connect: async () => {
      const connection = await connections.connect();
      const recorded = new Proxy(connection, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'query' || typeof value !== 'function') return value;
          return (text: string, ...rest: unknown[]) => {
            statements.push(text);
            return (value as (...a: unknown[]) => unknown).call(target, text, ...rest);
          };
        },
      });
      lent.set(recorded, connection);
      return recorded;
    },
    // The pool gets its own connection back, not the recording one.
    release: (connection, broken) => connections.release(lent.get(connection)!, broken),
  };
}

function asCurrent(outcome: LinkOutcome): LinkOutcome {
  return outcome.status === 'written' ? { ...outcome, status: 'current' } : outcome;
}
