import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'odbc';
import { OdbcConnections } from '@ctxb/odbc-connector';
import { POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import { psql } from '../../apps/cli/src/local-services/relational-database.local-service';
import { uniqueName } from './test-config';

const ROOT = join(__dirname, '..', '..');

/**
 * A sample ERP of the test's own on the local PostgreSQL: the reference schema without its
 * seed, a copy of the shipped sample-erp profile pointing at it, and a way to query it.
 */
export class SampleErpDatabase {
  readonly name = uniqueName('erp_test').toLowerCase();
  readonly connectionString = `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${this.name};Username=${POSTGRES.user}`;
  private readonly connections = new OdbcConnections(this.connectionString, {
    size: 2,
    loginTimeoutSeconds: 5,
  });

  async create(): Promise<void> {
    await psql(['-c', `CREATE DATABASE ${this.name}`]);
    await psql(['-f', join(ROOT, 'docker', 'erp-sample', 'postgres', '01-schema.sql')], this.name);
  }

  /**
   * The shipped profile, connected to this database instead of the shared `erp` one; or, as
   * connector `name`, to another connection string (say, a port nothing listens on).
   */
  profile(name = 'sample-erp', connectionString = this.connectionString): string {
    const shipped = readFileSync(join(ROOT, 'config', 'connectors', 'sample-erp.yaml'), 'utf8');
    const text = shipped.replace(
      /\n {2}dsn: .*\n/,
      `\n  connectionString: ${JSON.stringify(connectionString)}\n`,
    );
    if (text === shipped) throw new Error('sample-erp.yaml no longer names a DSN to replace');
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-connector-')), `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  }

  /** Runs statements (seed rows, faults) and answers the rows of the last, as plain objects. */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    let db: Connection | undefined;
    try {
      db = await this.connections.connect();
      return (await db.query<T>(sql)).map((row) => ({ ...row }));
    } finally {
      if (db) await this.connections.release(db, false);
    }
  }

  async drop(): Promise<void> {
    await this.connections.close();
    await psql(['-c', `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`]);
  }
}
