import { basename, extname } from 'node:path';
import {
  isRecord,
  readYamlFile,
  readFieldMapping,
  unknownKeys,
  withEnvironment,
  type FieldMapping,
  type MappingProblem,
} from '@ctxb/connector-sdk';
import { parseDocument } from 'yaml';

/** ERP modules an ODBC profile can link into. */
export const ERP_MODULES = ['om', 'ar', 'gl'] as const;
export type ErpModule = (typeof ERP_MODULES)[number];

/**
 * How a module's record is reached: `link` updates the ERP's own record found by the key
 * (retried while it is not there yet); `stage` inserts a row into an interface table that the
 * ERP imports (Oracle EBS open interfaces).
 */
export const LINK_MODES = ['link', 'stage'] as const;

/**
 * What one write is about: the order, each of its invoices, or each of its GL journals. For
 * invoices and journals the path `document` holds that invoice number or journal id.
 */
export const WRITE_UNITS = ['order', 'invoice', 'journal'] as const;

export interface ModuleProfile {
  table: string;
  mode: (typeof LINK_MODES)[number];
  each: (typeof WRITE_UNITS)[number];
  /**
   * Columns that find the ERP record (link mode) or name the staged row (stage mode: written
   * with it), with where their values come from.
   */
  key: FieldMapping;
  /** Columns written. */
  columns: FieldMapping;
  /**
   * A column set to the context version: a record holding a higher one is never overwritten
   * (an older job retried late), a version staged already is not staged again. Without it (link
   * mode only), the last write wins.
   */
  versionColumn?: string;
  /** Link mode: how long a missing ERP record is waited for before the job is dead-lettered. */
  waitForRecordMinutes: number;
  /** Link mode: where the record's money is, read back after each write (see AmountsProfile). */
  amounts?: AmountsProfile;
  /**
   * Link mode, one write per order: the reference columns (see referenceFields) are written as
   * soon as the order is placed (version 0), before the journey is assembled; the assembled
   * versions then write every column. ERP users see the link within moments of the order.
   */
  linkOnPlacement?: boolean;
}

/**
 * Where a module's money is, so the worker reads it by the same key it linked by: the order's
 * total, the invoice's amount, a journal's posted revenue (credit less debit, on the rows
 * `where` selects: the revenue accounts, say). Rows matching the key are summed per currency.
 */
export interface AmountsProfile {
  amount: { column: string } | { credit: string; debit: string };
  /** The column with the ISO currency code; without it the amount is taken as the order's. */
  currency?: string;
  /** Every condition holds: a column equal to one of the values, or starting with a prefix. */
  where: AmountCondition[];
}

export type AmountCondition =
  { column: string; values: (string | number)[] } | { column: string; prefix: string };

/** How the database quotes names: "double quotes" (ANSI, PostgreSQL) or `backticks` (MariaDB). */
export const QUOTINGS = ['double', 'backtick'] as const;

/**
 * The database an ERP runs on, as far as statements go: on `postgresql` a batch of links goes
 * in one statement (see batchLinkWrites); `mariadb` and `other` take standard SQL, one
 * statement per record.
 */
export const DATABASES = ['postgresql', 'mariadb', 'other'] as const;

/** A configured ODBC connection to one ERP and what it links where. */
export interface OdbcProfile {
  /** The file's name without `.yaml`: what deliveries and document links record. */
  name: string;
  file: string;
  connection: { dsn: string } | { connectionString: string };
  poolSize: number;
  quoting: (typeof QUOTINGS)[number];
  database: (typeof DATABASES)[number];
  modules: Partial<Record<ErpModule, ModuleProfile>>;
}

/** A problem in a profile: the file, the key path in it and the reason. */
export interface ProfileProblem extends MappingProblem {
  file: string;
}

/**
 * Table and column names as ERPs have them (ERPNext's `tabSales Order` has a space): 1 to 128
 * characters, no quote, backtick, backslash or control character.
 */
function isIdentifier(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 128 &&
    [...name].every((c) => c.charCodeAt(0) >= 0x20 && !'"`\'\\'.includes(c))
  );
}

/** Reads and checks a profile file: every problem at once, or the profile. */
export function loadOdbcProfile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { profile: OdbcProfile } | { problems: ProfileProblem[] } {
  const read = readYamlFile(file);
  if ('problem' in read) return { problems: [{ file, key: '', message: read.problem }] };
  return readOdbcProfile(read.input, file, env);
}

/**
 * Checks a parsed profile. `${NAME}` in the connection string or DSN is taken from the
 * environment (passwords stay out of the file); a variable that is not set is a problem.
 */
export function readOdbcProfile(
  input: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { profile: OdbcProfile } | { problems: ProfileProblem[] } {
  const problems: MappingProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ key, message });
  const at = isRecord(input) ? input : {};
  if (!isRecord(input)) problem('', 'a profile is a YAML mapping (connector, connection, modules)');
  unknownKeys(at, ['connector', 'connection', 'modules'], '', problem);
  if (at.connector !== 'odbc') problem('connector', 'must be odbc');

  const connection = isRecord(at.connection) ? at.connection : {};
  unknownKeys(
    connection,
    ['dsn', 'connectionString', 'poolSize', 'quoting', 'database'],
    'connection',
    problem,
  );
  const ways = (['dsn', 'connectionString'] as const).filter((k) => connection[k] !== undefined);
  let reach: OdbcProfile['connection'] | undefined;
  if (ways.length !== 1)
    problem('connection', 'give exactly one of dsn (a name in odbc.ini) or connectionString');
  else {
    const way = ways[0];
    const text = connection[way];
    if (typeof text !== 'string' || text.trim() === '')
      problem(`connection.${way}`, 'must be text');
    else {
      const filled = withEnvironment(text, env);
      if ('missing' in filled)
        problem(`connection.${way}`, `environment variables not set: ${filled.missing.join(', ')}`);
      else reach = way === 'dsn' ? { dsn: filled.value } : { connectionString: filled.value };
    }
  }
  const poolSize = connection.poolSize ?? 4;
  if (!Number.isInteger(poolSize) || (poolSize as number) < 1 || (poolSize as number) > 64)
    problem('connection.poolSize', 'must be a whole number from 1 to 64');
  const quoting = connection.quoting ?? 'double';
  if (!(QUOTINGS as readonly unknown[]).includes(quoting))
    problem('connection.quoting', `must be one of ${QUOTINGS.join(', ')}`);

  const database = connection.database ?? 'other';
  if (!(DATABASES as readonly unknown[]).includes(database))
    problem('connection.database', `must be one of ${DATABASES.join(', ')}`);

  const modules: OdbcProfile['modules'] = {};
  if (!isRecord(at.modules) || Object.keys(at.modules).length === 0)
    problem('modules', `must configure at least one of ${ERP_MODULES.join(', ')}`);
  else {
    unknownKeys(at.modules, ERP_MODULES, 'modules', problem);
    for (const name of ERP_MODULES)
      if (at.modules[name] !== undefined) {
        const read = readModule(at.modules[name], `modules.${name}`, problem);
        if (read) modules[name] = read;
      }
  }

  if (problems.length > 0 || !reach) return { problems: problems.map((p) => ({ file, ...p })) };
  return {
    profile: {
      name: basename(file, extname(file)),
      file,
      connection: reach,
      poolSize: poolSize as number,
      quoting: quoting as OdbcProfile['quoting'],
      database: database as OdbcProfile['database'],
      modules,
    },
  };
}

function readModule(
  input: unknown,
  key: string,
  problem: (key: string, message: string) => void,
): ModuleProfile | undefined {
  if (!isRecord(input)) {
    problem(key, 'must be a mapping: table, mode, each, key, columns');
    return undefined;
  }
  let ok = true;
  const fail = (k: string, message: string) => {
    ok = false;
    problem(k, message);
  };
  unknownKeys(
    input,
    [
      'table',
      'mode',
      'each',
      'key',
      'columns',
      'versionColumn',
      'waitForRecordMinutes',
      'amounts',
      'linkOnPlacement',
    ],
    key,
    fail,
  );
  const { table, each } = input;
  const mode = input.mode ?? 'link';
  if (typeof table !== 'string' || !qualifiedName(table))
    fail(`${key}.table`, 'must be a table name (optionally schema.table), without quotes');
  if (!(LINK_MODES as readonly unknown[]).includes(mode))
    fail(`${key}.mode`, `must be one of ${LINK_MODES.join(', ')}`);
  if (!(WRITE_UNITS as readonly unknown[]).includes(each))
    fail(`${key}.each`, `must be one of ${WRITE_UNITS.join(', ')}`);
  const columns = mapping(input.columns, `${key}.columns`, fail);
  const keyColumns = mapping(input.key, `${key}.key`, fail);
  if (columns && keyColumns)
    for (const column of Object.keys(keyColumns).filter((c) => c in columns))
      fail(`${key}.columns.${column}`, 'is a key column: it finds the record, it is not set');
  const { versionColumn } = input;
  if (
    versionColumn !== undefined &&
    (typeof versionColumn !== 'string' || !columns?.[versionColumn])
  )
    fail(`${key}.versionColumn`, 'must be one of the columns set (the one holding the version)');
  if (mode === 'stage' && versionColumn === undefined)
    fail(
      `${key}.versionColumn`,
      'stage mode needs one: it tells which versions are staged already',
    );
  const wait = input.waitForRecordMinutes ?? 1440;
  if (!Number.isInteger(wait) || (wait as number) < 0 || (wait as number) > 10_080)
    fail(`${key}.waitForRecordMinutes`, 'must be a whole number of minutes from 0 to 10080');
  let amounts: AmountsProfile | undefined;
  if (input.amounts !== undefined) {
    if (mode === 'stage')
      fail(
        `${key}.amounts`,
        "stage mode has none: an interface table holds what was staged, not the ERP's figures",
      );
    else amounts = readAmounts(input.amounts, `${key}.amounts`, fail);
  }
  const linkOnPlacement = input.linkOnPlacement ?? false;
  if (typeof linkOnPlacement !== 'boolean') fail(`${key}.linkOnPlacement`, 'must be true or false');
  else if (linkOnPlacement) {
    /** The columns set from `path`. */
    const setFrom = (path: string) =>
      Object.entries(columns ?? {})
        .filter(([, source]) => 'from' in source && source.from === path)
        .map(([column]) => column);
    if (mode !== 'link' || each !== 'order')
      fail(
        `${key}.linkOnPlacement`,
        'only a link-mode module written once per order (each: order) takes the reference at placement',
      );
    else if (setFrom('contextReferenceId').length === 0)
      fail(`${key}.linkOnPlacement`, 'needs a column set from contextReferenceId');
    else if (!setFrom('version').includes(versionColumn as string))
      fail(
        `${key}.linkOnPlacement`,
        'needs a versionColumn set from version: the assembled versions must win over version 0',
      );
  }
  if (!ok || !columns || !keyColumns) return undefined;
  return {
    table: table as string,
    mode: mode as ModuleProfile['mode'],
    each: each as ModuleProfile['each'],
    key: keyColumns,
    columns,
    waitForRecordMinutes: wait as number,
    ...(versionColumn === undefined ? {} : { versionColumn: versionColumn as string }),
    ...(amounts ? { amounts } : {}),
    ...(linkOnPlacement === true ? { linkOnPlacement } : {}),
  };
}

function readAmounts(
  input: unknown,
  key: string,
  fail: (key: string, message: string) => void,
): AmountsProfile | undefined {
  if (!isRecord(input)) {
    fail(key, 'must be a mapping: amount (or credit and debit), currency, where');
    return undefined;
  }
  let ok = true;
  const bad = (k: string, message: string) => {
    ok = false;
    fail(k, message);
  };
  unknownKeys(input, ['amount', 'credit', 'debit', 'currency', 'where'], key, bad);
  const column = (name: string): string | undefined => {
    const value = input[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && isIdentifier(value)) return value;
    bad(`${key}.${name}`, 'must be a column name');
    return undefined;
  };
  const [amount, credit, debit, currency] = ['amount', 'credit', 'debit', 'currency'].map(column);
  const single = input.amount !== undefined;
  const pair = input.credit !== undefined || input.debit !== undefined;
  if (single === pair || (pair && (input.credit === undefined || input.debit === undefined))) {
    bad(key, 'give either amount (a column) or both credit and debit (credit less debit)');
  }
  const where: AmountCondition[] = [];
  if (input.where !== undefined && !isRecord(input.where)) {
    bad(`${key}.where`, 'must be a mapping of column to a value, a list of values or { prefix }');
  }
  for (const [name, condition] of Object.entries(isRecord(input.where) ? input.where : {})) {
    const at = `${key}.where.${name}`;
    const scalar = (v: unknown): v is string | number =>
      typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    if (!isIdentifier(name)) bad(at, 'is not a column name');
    else if (scalar(condition)) where.push({ column: name, values: [condition] });
    else if (Array.isArray(condition) && condition.length > 0 && condition.every(scalar))
      where.push({ column: name, values: condition });
    else if (
      isRecord(condition) &&
      Object.keys(condition).length === 1 &&
      typeof condition.prefix === 'string' &&
      condition.prefix !== ''
    )
      where.push({ column: name, prefix: condition.prefix });
    else {
      bad(at, 'must be a value, a non-empty list of values or { prefix: text }');
    }
  }
  if (!ok) return undefined;
  return {
    amount: amount ? { column: amount } : { credit: credit as string, debit: debit as string },
    ...(currency ? { currency } : {}),
    where,
  };
}

function mapping(
  input: unknown,
  key: string,
  fail: (key: string, message: string) => void,
): FieldMapping | undefined {
  const read = readFieldMapping(input, key);
  if ('problems' in read) {
    for (const p of read.problems) fail(p.key, p.message);
    return undefined;
  }
  const bad = Object.keys(read.mapping).filter((column) => !isIdentifier(column));
  for (const column of bad)
    fail(`${key}.${column}`, 'is not a column name (no quotes or control characters)');
  return bad.length ? undefined : read.mapping;
}

function qualifiedName(name: string): boolean {
  const parts = name.split('.');
  return parts.length <= 2 && parts.every((p) => isIdentifier(p) && p.trim() === p && p !== '');
}

/**
 * A profile's text pointed at another database: its connection becomes `connectionString`
 * (the DSN, if any, is dropped), comments and everything else kept. For test and benchmark
 * databases of their own.
 */
export function reconnectedProfile(text: string, connectionString: string): string {
  const document = parseDocument(text);
  if (!document.has('connection')) throw new Error('the profile has no connection to replace');
  document.deleteIn(['connection', 'dsn']);
  document.setIn(['connection', 'connectionString'], connectionString);
  return document.toString();
}
