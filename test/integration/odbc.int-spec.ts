import { connect } from 'odbc';
import { MARIADB, POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { uniqueName } from '../support/test-config';

describe.each([
  ['PostgreSQL', POSTGRES.dsn, 'VARCHAR(64)'],
  ['MariaDB', MARIADB.dsn, 'VARCHAR(64)'],
])('ODBC on %s (through DSN)', (_engine, dsn, text) => {
  it('runs parameterized writes and reads back exact decimals', async () => {
    const db = await connect(`DSN=${dsn}`);
    const table = uniqueName('it_orders');
    try {
      await db.query(
        `CREATE TABLE ${table} (order_no ${text} PRIMARY KEY, total DECIMAL(18,2), context_reference_id ${text})`,
      );
      await db.query(`INSERT INTO ${table} (order_no, total) VALUES (?, ?)`, [
        'SO-12345',
        '1234.56',
      ]);
      await db.query(`UPDATE ${table} SET context_reference_id = ? WHERE order_no = ?`, [
        'ctx_0123456789abcdefghjkmnpqrs',
        'SO-12345',
      ]);
      const rows = await db.query<{
        order_no: string;
        total: string;
        context_reference_id: string;
      }>(
        `SELECT order_no, TRIM(CAST(total AS CHAR(20))) AS total, context_reference_id FROM ${table} WHERE order_no = ?`,
        ['SO-12345'],
      );
      expect(rows.map((r) => ({ ...r }))).toEqual([
        {
          order_no: 'SO-12345',
          total: '1234.56',
          context_reference_id: 'ctx_0123456789abcdefghjkmnpqrs',
        },
      ]);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    }
  });
});
