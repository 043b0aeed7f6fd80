import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@ctxb/config';
import { commandExists, ensureDir, reason, run, waitUntil } from './host';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import type { LocalServicesContext } from './local-services.context';
import { ERP_DATABASE, MARIADB, POSTGRES } from './erp-databases';

/** How to reach, start and query one kind of SQL server from the shell. */
interface DatabaseEngine {
  name: string;
  host: string;
  port: number;
  packages: string[];
  clientCommand: string;
  query(sql: string, database?: string): Promise<string>;
  version(): Promise<string>;
  databaseExists(name: string): Promise<boolean>;
  createDatabase(name: string): Promise<void>;
  /** Applies the reference ERP's schema and seed to the erp database (idempotent), if it has one. */
  loadSampleErp?(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * PostgreSQL or MariaDB holding the `erp` database the sample ERP profiles write to.
 * Reuses a running server; starts the machine's own server when it is installed but stopped
 * (and remembers that, so `down` stops only what it started); installs it when absent.
 */
export class RelationalDatabaseLocalService implements LocalService {
  readonly name: string;

  constructor(
    private readonly context: LocalServicesContext,
    private readonly engine: DatabaseEngine,
  ) {
    this.name = engine.name;
  }

  private get marker(): string {
    return this.context.state(this.name, 'started-by-ctxb');
  }

  async status(): Promise<ServiceStatus> {
    const address = `${this.engine.host}:${this.engine.port}`;
    const managed = existsSync(this.marker);
    try {
      const version = await this.engine.version();
      const hasErp = await this.engine.databaseExists(ERP_DATABASE);
      return {
        name: this.name,
        healthy: true,
        version,
        address,
        details: [hasErp ? `database ${ERP_DATABASE}` : `database ${ERP_DATABASE} missing`],
        managed,
      };
    } catch (error) {
      return { name: this.name, healthy: false, address, details: [reason(error)], managed };
    }
  }

  async up(progress: Progress): Promise<void> {
    if (!(await this.reachable())) {
      if (!(await commandExists(this.engine.clientCommand))) {
        await this.context.packages.ensure(this.engine.packages, progress);
      }
      progress.step(`${this.name}: starting the machine's server`);
      await this.engine.start();
      ensureDir(this.context.state(this.name));
      writeFileSync(this.marker, `${new Date().toISOString()}\n`);
      await waitUntil(this.name, () => this.reachable(), 60_000);
    }
    if (!(await this.engine.databaseExists(ERP_DATABASE))) {
      progress.step(`${this.name}: creating database ${ERP_DATABASE}`);
      await this.engine.createDatabase(ERP_DATABASE);
    }
    // Every time: the scripts only add what is missing, and a schema change reaches old setups.
    await this.engine.loadSampleErp?.();
  }

  async down(progress: Progress): Promise<void> {
    if (!existsSync(this.marker)) return;
    await this.engine.stop();
    rmSync(this.marker, { force: true });
    progress.step(`${this.name}: stopped`);
  }

  private async reachable(): Promise<boolean> {
    try {
      await this.engine.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}

/** psql against the local PostgreSQL as its superuser, stopping at the first error. */
export function psql(args: string[], database = 'postgres') {
  return run(
    'psql',
    [
      '-h',
      POSTGRES.host,
      '-p',
      String(POSTGRES.port),
      '-U',
      POSTGRES.user,
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      ...args,
    ],
    { env: { ...process.env, PGCONNECT_TIMEOUT: '2' }, timeoutMs: 30_000 },
  );
}

/** The sample ERP's SQL scripts for one database (docker/erp-sample/<engine>), in order. */
export function sampleErpScripts(engine: 'postgres' | 'mariadb'): string[] {
  const folder = join(projectRoot(), 'docker', 'erp-sample', engine);
  return readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => join(folder, f));
}

export function postgresEngine(): DatabaseEngine {
  const query = async (sql: string, database = 'postgres') =>
    (await psql(['-tAc', sql], database)).stdout.trim();
  const cluster = () => {
    const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
    if (versions.length === 0) throw new Error('no PostgreSQL cluster under /etc/postgresql');
    return versions.sort()[versions.length - 1];
  };
  return {
    name: 'postgresql',
    host: POSTGRES.host,
    port: POSTGRES.port,
    packages: ['postgresql', 'postgresql-client'],
    clientCommand: 'psql',
    query,
    version: async () => (await query('SHOW server_version')).split(' ')[0],
    databaseExists: async (name) =>
      (await query(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)) === '1',
    createDatabase: async (name) => {
      await query(`CREATE DATABASE ${name}`);
    },
    // What the compose PostgreSQL runs at its first start (docker/erp-sample/postgres).
    loadSampleErp: async () => {
      for (const script of sampleErpScripts('postgres'))
        await psql(['-q', '-f', script], ERP_DATABASE);
    },
    start: async () => {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster(), 'main', 'start']);
    },
    stop: async () => {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster(), 'main', 'stop']);
    },
  };
}

export function mariadbEngine(): DatabaseEngine {
  const query = async (sql: string, database?: string) =>
    (
      await run(
        'mariadb',
        [
          '-h',
          MARIADB.host,
          '-P',
          String(MARIADB.port),
          '-u',
          MARIADB.user,
          '--connect-timeout=2',
          '-N',
          '-B',
          ...(database ? [database] : []),
          '-e',
          sql,
        ],
        { timeoutMs: 30_000 },
      )
    ).stdout.trim();
  return {
    name: 'mariadb',
    host: MARIADB.host,
    port: MARIADB.port,
    packages: ['mariadb-server', 'mariadb-client'],
    clientCommand: 'mariadb',
    query,
    version: async () => (await query('SELECT VERSION()')).split('-')[0],
    databaseExists: async (name) => (await query(`SHOW DATABASES LIKE '${name}'`)) === name,
    createDatabase: async (name) => {
      await query(
        `CREATE DATABASE IF NOT EXISTS ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    },
    // What the compose MariaDB runs at its first start (docker/erp-sample/mariadb).
    loadSampleErp: async () => {
      for (const script of sampleErpScripts('mariadb'))
        await query(readFileSync(script, 'utf8'), ERP_DATABASE);
    },
    start: async () => {
      await run('start-stop-daemon', [
        '--start',
        '--oknodo',
        '--background',
        '--exec',
        '/usr/sbin/mariadbd',
      ]);
    },
    stop: async () => {
      await run('start-stop-daemon', [
        '--stop',
        '--oknodo',
        '--retry',
        '30',
        '--exec',
        '/usr/sbin/mariadbd',
      ]);
    },
  };
}
