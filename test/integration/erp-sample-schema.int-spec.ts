import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'odbc';
import { POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import {
  mariadbEngine,
  psql,
} from '../../apps/cli/src/local-services/relational-database.local-service';
import { uniqueName } from '../support/test-config';

const SQL_DIR = join(__dirname, '..', '..', 'docker', 'erp-sample', 'postgres');

/** The docker/erp-sample scripts are what the compose PostgreSQL runs at first start: prove they apply. */
describe('docker/erp-sample on PostgreSQL', () => {
  const database = uniqueName('erp_sample').toLowerCase();
  beforeAll(() => psql(['-c', `CREATE DATABASE ${database}`]));
  afterAll(() => psql(['-c', `DROP DATABASE IF EXISTS ${database}`]));

  it('applies twice without error and holds the seeded order 12345 documents', async () => {
    const scripts = readdirSync(SQL_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(scripts).toEqual([
      '01-schema.sql',
      '02-seed.sql',
      '03-odoo-schema.sql',
      '04-ebs-schema.sql',
    ]);
    for (let pass = 0; pass < 2; pass++) {
      for (const script of scripts) await psql(['-f', join(SQL_DIR, script)], database);
    }

    const db = await connect(
      `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${database};Username=${POSTGRES.user}`,
    );
    try {
      const orders = await db.query<{
        order_no: string;
        total: string;
        context_reference_id: string | null;
      }>(
        `SELECT order_no, CAST(total_amount AS VARCHAR) AS total, context_reference_id FROM sales_order ORDER BY order_no`,
      );
      expect(orders.map((o) => ({ ...o }))).toEqual([
        { order_no: '12345', total: '249.90', context_reference_id: null },
        { order_no: '12346', total: '89.00', context_reference_id: null },
      ]);
      const journal = await db.query<{ debit: string; credit: string }>(
        `SELECT CAST(SUM(debit) AS VARCHAR) AS debit, CAST(SUM(credit) AS VARCHAR) AS credit FROM gl_journal_line WHERE journal_id = 'JE-12345'`,
      );
      expect({ ...journal[0] }).toEqual({ debit: '249.90', credit: '249.90' });
      // The Odoo- and EBS-shaped tables are there, empty.
      for (const table of [
        'odoo.sale_order',
        'odoo.account_move',
        'odoo.account_move_line',
        'ebs."OE_HEADERS_IFACE_ALL"',
        'ebs."RA_INTERFACE_LINES_ALL"',
        'ebs."GL_INTERFACE"',
      ]) {
        const [row] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
        expect(Number(row.n)).toBe(0);
      }
    } finally {
      await db.close();
    }
  });
});

describe('docker/erp-sample on MariaDB', () => {
  const database = uniqueName('erp_sample').toLowerCase();
  const mariadb = mariadbEngine();
  afterAll(() => mariadb.query(`DROP DATABASE IF EXISTS ${database}`));

  it('applies the ERPNext-shaped tables twice without error', async () => {
    const dir = join(__dirname, '..', '..', 'docker', 'erp-sample', 'mariadb');
    const scripts = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(scripts).toEqual(['01-erpnext-schema.sql']);
    await mariadb.createDatabase(database);
    for (let pass = 0; pass < 2; pass++)
      for (const script of scripts)
        await mariadb.query(readFileSync(join(dir, script), 'utf8'), database);
    const tables = await mariadb.query('SHOW TABLES', database);
    expect(tables.split('\n').sort()).toEqual([
      'tabGL Entry',
      'tabSales Invoice',
      'tabSales Order',
    ]);
  });
});
