import type { ErpAmount, LinkRequest } from '@ctxb/connector-sdk';
import type { Connection } from 'odbc';
import { failureOf, readAmounts } from './odbc-link-target';
import { runnerOf, runStatement } from './prepared-statements';
import { amountsRead, linkWrites, stageWrites, type SqlStatement } from './link-statements';
import { ERP_MODULES, type AmountsProfile, type ErpModule, type OdbcProfile } from './odbc-profile';

/** What `ctxb connectors test` found for one module of a profile. */
export interface ModuleCheck {
  module: ErpModule;
  table: string;
  /** Whether the table is there (its columns could be listed). */
  found: boolean;
  /** Mapped columns (key, set, and those amounts are read from) the table does not have. */
  missingColumns: string[];
  /**
   * Whether the database accepts the module's write: its UPDATE run matching no row, or its
   * INSERT (stage mode), in a transaction rolled back.
   */
  writable: { ok: true } | { ok: false; reason: string };
  /**
   * When the profile names the module's amounts: what the ERP holds for the example's records
   * (none when it has not booked them), or why the read was refused.
   */
  amounts?: { ok: true; read: ErpAmount[] } | { ok: false; reason: string };
  /** The statements one context version makes (the example given), with their values. */
  statements: SqlStatement[];
}

/** The ODBC connection string of a profile. */
export function connectionStringOf(profile: OdbcProfile): string {
  return 'dsn' in profile.connection
    ? `DSN=${profile.connection.dsn}`
    : profile.connection.connectionString;
}

/**
 * Checks each module of a profile against the database: the table and every mapped column
 * exist, and the module's write is accepted (an UPDATE run with a condition no row meets, or
 * the INSERT of stage mode, inside a transaction that is rolled back, so nothing changes);
 * reads the example's amounts where the profile names them; and shows the statements
 * `example` makes.
 */
export async function checkProfile(
  profile: OdbcProfile,
  connection: Connection,
  example: LinkRequest,
): Promise<ModuleCheck[]> {
  const checks: ModuleCheck[] = [];
  for (const module of ERP_MODULES) {
    const spec = profile.modules[module];
    if (!spec) continue;
    const [schema, table] = spec.table.includes('.') ? spec.table.split('.') : [null, spec.table];
    const listed = await connection.columns(null, schema, table, null);
    const present = new Set(
      listed.map((c) => String((c as { COLUMN_NAME: unknown }).COLUMN_NAME).toLowerCase()),
    );
    const mapped = [
      ...Object.keys(spec.key),
      ...Object.keys(spec.columns),
      ...(spec.amounts ? amountColumns(spec.amounts) : []),
    ];
    const statements =
      spec.mode === 'stage'
        ? stageWrites(spec, profile.quoting, example).map((w) => w.insert)
        : linkWrites(spec, profile.quoting, example).map((w) => w.update);
    const read = amountsRead(spec, profile.quoting, [example]);
    checks.push({
      module,
      table: spec.table,
      found: listed.length > 0,
      missingColumns: [...new Set(mapped)].filter((c) => !present.has(c.toLowerCase())),
      writable: await accepts(connection, statements[0], spec.mode),
      ...(spec.amounts
        ? {
            amounts: await readAmounts(runnerOf(connection), spec, profile.quoting, [example]).then(
              ([figures]) => ({ ok: true as const, read: figures }),
              (error: unknown) => ({
                ok: false as const,
                reason: failureOf(error, 'amount read refused').message,
              }),
            ),
          }
        : {}),
      statements: [...statements, ...(read ? [read.select] : [])],
    });
  }
  return checks;
}

/** Runs the module's write in a transaction rolled back: an UPDATE matching no row, or the INSERT. */
async function accepts(
  connection: Connection,
  write: SqlStatement | undefined,
  mode: 'link' | 'stage',
): Promise<ModuleCheck['writable']> {
  if (!write) return { ok: false, reason: 'the example names no record of this module' };
  await connection.beginTransaction();
  try {
    await runStatement(
      connection,
      mode === 'stage' ? write : { ...write, sql: `${write.sql} AND 1 = 0` },
    );
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: failureOf(error, mode === 'stage' ? 'insert refused' : 'update refused').message,
    };
  } finally {
    await connection.rollback().catch(() => undefined);
  }
}

function amountColumns(amounts: AmountsProfile): string[] {
  return [
    ...Object.values(amounts.amount),
    ...(amounts.currency ? [amounts.currency] : []),
    ...amounts.where.map((w) => w.column),
  ];
}
