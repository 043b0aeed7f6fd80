import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'odbc';
import { reason, run } from './host';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import type { LocalServicesContext } from './local-services.context';
import { ERP_DATABASE, MARIADB, POSTGRES } from './erp-databases';

const DRIVERS = { postgres: 'PostgreSQL Unicode', mariadb: 'MariaDB Unicode' } as const;

/** System DSNs (in /etc/odbc.ini) for the two local ERP databases. */
const DSNS: Record<string, Record<string, string>> = {
  [POSTGRES.dsn]: {
    Description: 'Context Bridge local ERP database on PostgreSQL',
    Driver: DRIVERS.postgres,
    Servername: POSTGRES.host,
    Port: String(POSTGRES.port),
    Database: ERP_DATABASE,
    Username: POSTGRES.user,
    Password: '',
  },
  [MARIADB.dsn]: {
    Description: 'Context Bridge local ERP database on MariaDB',
    Driver: DRIVERS.mariadb,
    Server: MARIADB.host,
    Port: String(MARIADB.port),
    Database: ERP_DATABASE,
    User: MARIADB.user,
    Password: '',
  },
};

/**
 * unixODBC with Debian's PostgreSQL and MariaDB drivers, and a DSN for each local ERP
 * database. Status proves the whole chain by connecting through every DSN.
 */
export class OdbcLocalService implements LocalService {
  readonly name = 'odbc';

  constructor(private readonly context: LocalServicesContext) {}

  async status(): Promise<ServiceStatus> {
    try {
      const version = (await run('odbcinst', ['--version'])).stdout.trim();
      const drivers = await listSections(['-q', '-d']);
      const missingDrivers = Object.values(DRIVERS).filter((d) => !drivers.includes(d));
      const dsnChecks = await Promise.all(Object.keys(DSNS).map((dsn) => checkDsn(dsn)));
      return {
        name: this.name,
        healthy: missingDrivers.length === 0 && dsnChecks.every((c) => c.ok),
        version: version.replace(/^unixODBC\s*/, 'unixODBC '),
        address: 'local',
        details: [
          `drivers: ${Object.values(DRIVERS)
            .map((d) => (drivers.includes(d) ? d : `${d} MISSING`))
            .join(', ')}`,
          ...dsnChecks.map((c) => `DSN ${c.dsn}: ${c.ok ? 'connects' : c.error}`),
        ],
        managed: false,
      };
    } catch (error) {
      return {
        name: this.name,
        healthy: false,
        address: 'local',
        details: [reason(error)],
        managed: false,
      };
    }
  }

  async up(progress: Progress): Promise<void> {
    await this.context.packages.ensure(['unixodbc', 'odbc-postgresql', 'odbc-mariadb'], progress);
    const existing = await listSections(['-q', '-s']);
    for (const [dsn, settings] of Object.entries(DSNS)) {
      if (existing.includes(dsn)) continue;
      progress.step(`odbc: installing system DSN ${dsn}`);
      const dir = mkdtempSync(join(tmpdir(), 'ctxb-dsn-'));
      const template = join(dir, 'dsn.ini');
      const body = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
      writeFileSync(template, `[${dsn}]\n${body.join('\n')}\n`);
      try {
        await run('odbcinst', ['-i', '-s', '-l', '-f', template]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  async down(): Promise<void> {
    // Drivers and DSNs are machine configuration, not processes: nothing to stop.
  }
}

async function listSections(args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run('odbcinst', args);
    return [...stdout.matchAll(/^\[(.+)\]$/gm)].map((m) => m[1]);
  } catch {
    return [];
  }
}

async function checkDsn(dsn: string): Promise<{ dsn: string; ok: boolean; error?: string }> {
  try {
    const connection = await connect({ connectionString: `DSN=${dsn}`, loginTimeout: 3 });
    try {
      await connection.query('SELECT 1');
    } finally {
      await connection.close();
    }
    return { dsn, ok: true };
  } catch (error) {
    return { dsn, ok: false, error: odbcReason(error) };
  }
}

function odbcReason(error: unknown): string {
  const odbcErrors = (error as { odbcErrors?: { message: string }[] }).odbcErrors;
  return odbcErrors?.[0]?.message.slice(0, 160) ?? reason(error);
}
