import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'odbc';
import { OdbcConnections, reconnectedProfile } from '@ctxb/odbc-connector';
import { MARIADB, POSTGRES } from '../../apps/cli/src/local-services/erp-databases';
import {
  mariadbEngine,
  psql,
  sampleErpScripts,
} from '../../apps/cli/src/local-services/relational-database.local-service';
import { uniqueName } from './test-config';

const ROOT = join(__dirname, '..', '..');

/** Connector profiles shipped in config/connectors, by the database that plays their ERP. */
export const SHIPPED_PROFILES = {
  'sample-erp': 'postgres',
  odoo: 'postgres',
  ebs: 'postgres',
  erpnext: 'mariadb',
} as const;
export type ShippedProfile = keyof typeof SHIPPED_PROFILES;

/**
 * ERP databases of the test's own, with every shape the shipped profiles map and no seed:
 * one on the local PostgreSQL (the reference ERP, Odoo- and EBS-shaped tables) and one on the
 * local MariaDB (ERPNext-shaped tables). Profiles are the shipped ones, connected here.
 */
export class ErpTestDatabases {
  readonly name = uniqueName('erp_test').toLowerCase();
  readonly postgres = `Driver={PostgreSQL Unicode};Servername=${POSTGRES.host};Port=${POSTGRES.port};Database=${this.name};Username=${POSTGRES.user}`;
  readonly mariadb = `Driver={MariaDB Unicode};Server=${MARIADB.host};Port=${MARIADB.port};Database=${this.name};User=${MARIADB.user};Password=`;
  private readonly pools = {
    postgres: new OdbcConnections(this.postgres, { size: 2, loginTimeoutSeconds: 5 }),
    mariadb: new OdbcConnections(this.mariadb, { size: 2, loginTimeoutSeconds: 5 }),
  };

  async create(): Promise<void> {
    await psql(['-c', `CREATE DATABASE ${this.name}`]);
    for (const script of sampleErpScripts('postgres').filter((f) => !f.includes('seed')))
      await psql(['-q', '-f', script], this.name);
    const mariadb = mariadbEngine();
    await mariadb.createDatabase(this.name);
    for (const script of sampleErpScripts('mariadb'))
      await mariadb.query(readFileSync(script, 'utf8'), this.name);
  }

  /**
   * A shipped profile connected to these databases, as a file named for connector `name`;
   * `connectionString` replaces the connection (say, a port nothing listens on).
   */
  profile(
    shipped: ShippedProfile,
    name: string = shipped,
    connectionString: string = this[SHIPPED_PROFILES[shipped]],
  ): string {
    const text = readFileSync(join(ROOT, 'config', 'connectors', `${shipped}.yaml`), 'utf8');
    const connected = reconnectedProfile(text, connectionString);
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-connector-')), `${name}.yaml`);
    writeFileSync(file, connected);
    return file;
  }

  /** Runs a statement on one database and answers its rows as plain objects. */
  async query<T = Record<string, unknown>>(
    sql: string,
    database: 'postgres' | 'mariadb' = 'postgres',
  ): Promise<T[]> {
    const pool = this.pools[database];
    let db: Connection | undefined;
    try {
      db = await pool.connect();
      return (await db.query<T>(sql)).map((row) => ({ ...row }));
    } finally {
      if (db) await pool.release(db, false);
    }
  }

  async drop(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((p) => p.close()));
    await psql(['-c', `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`]);
    await mariadbEngine().query(`DROP DATABASE IF EXISTS ${this.name}`);
  }
}
