import type { Connection, Result, Statement } from 'odbc';
import type { SqlStatement } from './link-statements';
import { isAlive } from './odbc-connections';

/** Runs parameterized statements: on a connection as they come, or prepared once and reused. */
export interface StatementRunner {
  run<T>(statement: SqlStatement): Promise<Result<T>>;
}

/** Each statement prepared and run on its own (`connection.query`). */
export function runnerOf(connection: Connection): StatementRunner {
  return { run: (statement) => runStatement(connection, statement) };
}

/** Runs a parameterized statement on the connection. */
export function runStatement<T>(connection: Connection, statement: SqlStatement) {
  // node-odbc binds null as SQL NULL; its typings list only text and numbers.
  return connection.query<T>(statement.sql, statement.params as (string | number)[]);
}

/**
 * Statements prepared once for a transaction and run again with each request's parameters.
 * A batch runs the same few statements (a module's UPDATE, its probe) once per record; preparing
 * costs drivers a round trip of its own (psqlODBC prepares and describes the parameters), so
 * reusing the prepared statement about doubles the records a connection writes per second.
 * `close()` frees them; a statement that failed, or changed no row, is closed at once and
 * prepared afresh the next time it runs.
 */
export class PreparedStatements implements StatementRunner {
  private readonly prepared = new Map<string, Promise<Statement>>();

  constructor(private readonly connection: Connection) {}

  async run<T>(statement: SqlStatement): Promise<Result<T>> {
    if (statement.params.length === 0) return runStatement<T>(this.connection, statement);
    let prepared = this.prepared.get(statement.sql);
    if (!prepared) {
      prepared = this.prepare(statement.sql);
      this.prepared.set(statement.sql, prepared);
    }
    try {
      const ready = await prepared;
      await ready.bind(statement.params as (string | number)[]);
      return await ready.execute<T>();
    } catch (error) {
      // Failed, or answered SQL_NO_DATA, after which node-odbc leaves the statement out of step
      // (the next bind fails with HY010): either way it is prepared afresh when it runs again.
      this.prepared.delete(statement.sql);
      await prepared.then((s) => s.close()).catch(() => undefined);
      if (changedNoRow(error, this.connection)) return noRows<T>(statement);
      throw error;
    }
  }

  async close(): Promise<void> {
    const all = [...this.prepared.values()];
    this.prepared.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }

  private async prepare(sql: string): Promise<Statement> {
    const statement = await this.connection.createStatement();
    try {
      await statement.prepare(sql);
      return statement;
    } catch (error) {
      await statement.close().catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Whether a failed execute was in fact an UPDATE or DELETE that matched no row. ODBC answers
 * that with SQL_NO_DATA, which node-odbc's `Statement.execute` (unlike `Connection.query`)
 * reports as an error without any diagnostic record. A real failure carries diagnostics, or
 * leaves the connection dead.
 */
function changedNoRow(error: unknown, connection: Connection): boolean {
  const records = (error as { odbcErrors?: unknown[] }).odbcErrors;
  return (
    Array.isArray(records) &&
    records.length === 0 &&
    (error as Error).message.includes('Error executing the statement') &&
    isAlive(connection)
  );
}

/** The result of a statement that changed no row. */
function noRows<T>(statement: SqlStatement): Result<T> {
  return Object.assign([] as T[], {
    count: 0,
    columns: [],
    statement: statement.sql,
    parameters: statement.params as (string | number)[],
    return: 0,
  });
}
