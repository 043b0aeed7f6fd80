import { PreparedStatements } from '@ctxb/odbc-connector';
import { connect, type Connection } from 'odbc';
import { MARIADB, POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { uniqueName } from '../support/test-config';

/** Statements prepared once per transaction and run again, on both drivers the ERPs use here. */
describe.each([
  ['PostgreSQL', `DSN=${POSTGRES.dsn}`],
  ['MariaDB', `DSN=${MARIADB.dsn}`],
])('PreparedStatements on %s', (_name, dsn) => {
  const table = uniqueName('prepared').toLowerCase();
  let connection: Connection;

  beforeAll(async () => {
    connection = await connect(dsn);
    await connection.query(
      `CREATE TABLE ${table} (id VARCHAR(20) PRIMARY KEY, note VARCHAR(40), v INT)`,
    );
    await connection.query(`INSERT INTO ${table} VALUES ('a', 'x', 1), ('b', 'x', 1)`);
  });
  afterAll(async () => {
    await connection?.query(`DROP TABLE ${table}`);
    await connection?.close();
  });

  const update = (note: string | null, id: string, version: number) => ({
    sql: `UPDATE ${table} SET note = ?, v = ? WHERE id = ? AND v < ?`,
    params: [note, version, id, version],
  });
  const select = (id: string) => ({
    sql: `SELECT note, v FROM ${table} WHERE id = ?`,
    params: [id],
  });

  it('runs one prepared statement with each set of parameters, a row matched or none', async () => {
    await connection.beginTransaction();
    const statements = new PreparedStatements(connection);
    try {
      expect((await statements.run(update('y', 'a', 2))).count).toBe(1);
      // Matches no row: ODBC's SQL_NO_DATA, which node-odbc's execute reports as an error.
      expect((await statements.run(update('z', 'a', 2))).count).toBe(0);
      expect((await statements.run(update(null, 'b', 3))).count).toBe(1);
      expect((await statements.run(update('w', 'nobody', 9))).count).toBe(0);
      expect([...(await statements.run(select('a')))]).toEqual([{ note: 'y', v: 2 }]);
      expect([...(await statements.run(select('b')))]).toEqual([{ note: null, v: 3 }]);
    } finally {
      await statements.close();
      await connection.commit();
    }
  });

  it('passes a refusal on, and prepares the statement afresh for the next run', async () => {
    await connection.beginTransaction();
    const statements = new PreparedStatements(connection);
    try {
      const refused = await statements.run(update('x'.repeat(41), 'a', 5)).then(
        () => undefined,
        (error: { odbcErrors: { state: string }[] }) => error.odbcErrors[0]?.state,
      );
      expect(refused).toMatch(/^22|^HY/);
      await connection.rollback();
      await connection.beginTransaction();
      expect((await statements.run(update('ok', 'a', 5))).count).toBe(1);
    } finally {
      await statements.close();
      await connection.commit();
    }
  });
});
