import {
  applyFieldMapping,
  DeliveryFailure,
  mappingPaths,
  mappingSource,
  referenceFields,
  valueAt,
  type FieldValue,
  type LinkRequest,
} from '@ctxb/connector-sdk';
import { PLACEMENT_VERSION } from '@ctxb/context';
import type { AmountsProfile, ModuleProfile, OdbcProfile } from './odbc-profile';

/** A parameterized statement: values only ever travel as parameters. */
export interface SqlStatement {
  sql: string;
  params: FieldValue[];
}

/** One ERP record (or the lines of one journal) to link, and the statements that do it. */
export interface RecordWrite {
  /** The record's id in the ERP as the context knows it: order id, invoice number, journal id. */
  document: string;
  /** Sets the columns where the key matches and no newer version is held; counts rows. */
  update: SqlStatement;
  /** After an update that changed nothing: is the record there (and at which version)? */
  probe: SqlStatement;
}

/** One row to stage into an interface table, unless that version or a newer one is staged. */
export interface StagedWrite {
  document: string;
  /** The highest version staged for the key (`held`, NULL when none). */
  probe: SqlStatement;
  insert: SqlStatement;
}

/** A table or column name quoted for the database (names are checked when the profile is read). */
export function quoteName(name: string, quoting: OdbcProfile['quoting']): string {
  const [open, close] = quoting === 'backtick' ? ['`', '`'] : ['"', '"'];
  return name
    .split('.')
    .map((part) => `${open}${part.split(close).join(close + close)}${close}`)
    .join('.');
}

/** Where a context names the ERP records a module links, by what the module links each of. */
const DOCUMENTS_AT: Record<ModuleProfile['each'], string> = {
  order: 'order.orderId',
  invoice: 'correlations.invoices',
  journal: 'correlations.journals',
};

/**
 * Every path of a context a module reads: what names its records, and what its key and
 * columns map (`document` and `panelUrl` come with the request, not from the context).
 */
export function moduleReads(module: ModuleProfile): string[] {
  const mapped = mappingPaths({ ...module.key, ...module.columns });
  return [...new Set([DOCUMENTS_AT[module.each], ...mapped.filter((p) => !REQUEST_PATHS.has(p))])];
}

const REQUEST_PATHS = new Set(['document', 'panelUrl']);

/** The ERP records a context version is linked into by this module, with the source of each. */
export function recordsOf(
  module: ModuleProfile,
  request: LinkRequest,
): { document: string; source: object }[] {
  const named = valueAt(request.record, DOCUMENTS_AT[module.each]);
  const documents = (Array.isArray(named) ? named : [named]).filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  return documents.map((document) => ({
    document,
    source: { ...mappingSource(request), document },
  }));
}

/**
 * The statements that stage one context version into a module's interface table (pure): per
 * ERP document, a probe of the highest version staged for its key and the row to insert (key
 * columns and set columns, the version among them).
 */
export function stageWrites(
  module: ModuleProfile,
  quoting: OdbcProfile['quoting'],
  request: LinkRequest,
): StagedWrite[] {
  const q = (name: string) => quoteName(name, quoting);
  const version = module.versionColumn;
  if (!version)
    throw new DeliveryFailure('configuration', 'stage mode needs a versionColumn in the profile');
  return recordsOf(module, request).map(({ document, source }) => {
    const key = keyOf(module, source);
    const row = { ...key, ...applyFieldMapping(module.columns, source) };
    const table = q(module.table);
    return {
      document,
      probe: {
        sql: `SELECT MAX(${q(version)}) AS held FROM ${table} WHERE ${Object.keys(key)
          .map((column) => `${q(column)} = ?`)
          .join(' AND ')}`,
        params: Object.values(key),
      },
      insert: {
        sql: `INSERT INTO ${table} (${Object.keys(row).map(q).join(', ')}) VALUES (${Object.keys(
          row,
        )
          .map(() => '?')
          .join(', ')})`,
        params: Object.values(row),
      },
    };
  });
}

function keyOf(module: ModuleProfile, source: object) {
  const key = applyFieldMapping(module.key, source);
  for (const [column, value] of Object.entries(key))
    if (value === null)
      throw new DeliveryFailure('mapping', `${column}: the key column has no value`);
  return key;
}

/**
 * The ERP records a context version links into, each with its key and the columns it sets.
 * Version 0 (the order just placed, see placementRecord) sets the reference columns only: the
 * others wait for the assembled journey.
 */
function linkedRecords(module: ModuleProfile, request: LinkRequest) {
  const columns =
    request.version === PLACEMENT_VERSION ? referenceFields(module.columns) : module.columns;
  return recordsOf(module, request).map(({ document, source }) => ({
    document,
    key: keyOf(module, source),
    values: applyFieldMapping(columns, source),
  }));
}

/**
 * The statements that link one context version into a module (pure): one UPDATE per ERP
 * record, guarded by the version column when the profile names one, and its probe. Version 0
 * (the order just placed, see placementRecord) sets the reference columns only: the others
 * wait for the assembled journey.
 */
export function linkWrites(
  module: ModuleProfile,
  quoting: OdbcProfile['quoting'],
  request: LinkRequest,
): RecordWrite[] {
  const q = (name: string) => quoteName(name, quoting);
  return linkedRecords(module, request).map(({ document, key, values }) => {
    const where = Object.keys(key).map((column) => `${q(column)} = ?`);
    const version = module.versionColumn;
    const guard = version ? [`(${q(version)} IS NULL OR ${q(version)} <= ?)`] : [];
    const table = q(module.table);
    return {
      document,
      update: {
        sql: `UPDATE ${table} SET ${Object.keys(values)
          .map((column) => `${q(column)} = ?`)
          .join(', ')} WHERE ${[...where, ...guard].join(' AND ')}`,
        params: [
          ...Object.values(values),
          ...Object.values(key),
          ...(version ? [request.version] : []),
        ],
      },
      probe: {
        sql: `SELECT ${version ? q(version) : '1'} AS held FROM ${table} WHERE ${where.join(' AND ')}`,
        params: Object.values(key),
      },
    };
  });
}

/**
 * A batch of link-mode writes as statements of one round trip each, on PostgreSQL: the rows of
 * one statement share their columns (version 0 sets fewer than an assembled version). Each
 * answers one row per ERP record it names, in order: the row number, `written` and `found`
 * (1 or 0).
 */
export interface BatchLink {
  statements: { statement: SqlStatement; rows: number }[];
  /**
   * Per request of the batch, its records: for each, the statement and row that answer for it,
   * and whether a newer version of the same record in the batch took its place; or why the
   * request cannot be linked.
   */
  requests: (
    { document: string; statement: number; row: number; superseded: boolean }[] | DeliveryFailure
  )[];
}

/** Column name → its type as PostgreSQL names it without a length (`character varying`). */
export type ColumnTypes = ReadonlyMap<string, string>;

/** The statement that reads a table's column types (see ColumnTypes), by the quoted name. */
export function columnTypesRead(table: string): SqlStatement {
  return {
    sql:
      'SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_catalog.pg_attribute ' +
      'WHERE attrelid = CAST(? AS regclass) AND attnum > 0 AND NOT attisdropped',
    params: [quoteName(table, 'double')],
  };
}

/** A type name as format_type writes it: words, quoted names, dots, an array's brackets. */
const TYPE_NAME = /^[A-Za-z0-9_ ."]+(\[\])*$/;

/**
 * The statements that link a batch of context versions into a module on PostgreSQL (pure),
 * or undefined when a column's type is unknown or unusual (then each record takes its own
 * statements, see linkWrites). Per set of columns, one UPDATE of every record: the values
 * travel as one JSON parameter, a list per record, and each is cast to its column's type, so
 * a value reads as it would as a parameter of its own (JSON text into a jsonb column, say).
 * The version guard is linkWrites' own; each record answers whether it was updated and
 * whether it is there at all. One round trip however large the batch, where linkWrites takes
 * two per record. A record named twice in a batch is written once, at its highest version.
 */
export function batchLinkWrites(
  module: ModuleProfile,
  requests: readonly LinkRequest[],
  types: ColumnTypes,
): BatchLink | undefined {
  const q = (name: string) => quoteName(name, 'double');
  const version = module.versionColumn;
  const keyColumns = Object.keys(module.key);
  // Each record once, at the highest version the batch names it with.
  const newest = new Map<string, BatchRow>();
  const placed: { document: string; id: string; version: number }[][] = [];
  const answers = requests.map((request, i): DeliveryFailure | undefined => {
    try {
      placed[i] = linkedRecords(module, request).map(({ document, key, values }) => {
        // The guard compares the column as written; a profile may map no version into it.
        const row = {
          ...values,
          ...(version && !(version in values) ? { [version]: request.version } : {}),
          ...key,
        };
        const id = JSON.stringify(Object.values(key));
        const held = newest.get(id);
        if (!held || held.version < request.version)
          newest.set(id, { row, columns: Object.keys(values), version: request.version });
        return { document, id, version: request.version };
      });
      return undefined;
    } catch (error) {
      if (error instanceof DeliveryFailure) return error;
      throw error;
    }
  });
  // A statement per set of columns: version 0 sets fewer than an assembled version.
  const groups = new Map<string, { statement: number; columns: string[]; rows: BatchRow[] }>();
  const rowOf = new Map<string, { statement: number; row: number; version: number }>();
  for (const [id, row] of newest) {
    const name = JSON.stringify(row.columns);
    const group = groups.get(name) ?? { statement: groups.size, columns: row.columns, rows: [] };
    groups.set(name, group);
    rowOf.set(id, { statement: group.statement, row: group.rows.length, version: row.version });
    group.rows.push(row);
  }
  const statements: BatchLink['statements'] = [];
  for (const { columns, rows } of groups.values()) {
    const fields = [...new Set([...columns, ...keyColumns, ...(version ? [version] : [])])];
    const typeOf = fields.map((f) => types.get(f));
    if (typeOf.some((t) => t === undefined || !TYPE_NAME.test(t))) return undefined;
    const at = (field: string) => `v.c${fields.indexOf(field)}`;
    const matches = (table: string, row: (field: string) => string) =>
      keyColumns.map((c) => `${table}.${q(c)} = ${row(c)}`).join(' AND ');
    const guard = version
      ? ` AND (t.${q(version)} IS NULL OR t.${q(version)} <= ${at(version)})`
      : '';
    const fromRows = fields
      .map((_, i) => `CAST(e.ctxb_value ->> ${i} AS ${typeOf[i]!}) AS c${i}`)
      .join(', ');
    // Each key column among the batch's values: an index finds the records, however the
    // planner guesses the size of a JSON list (a hundred rows, which would scan the table).
    const named = keyColumns
      .map((c) => `t.${q(c)} = ANY (ARRAY(SELECT ${at(c)} FROM v))`)
      .join(' AND ');
    const held = (cte: string) => keyColumns.map((c) => `${cte}.${q(c)} = ${at(c)}`).join(' AND ');
    statements.push({
      rows: rows.length,
      statement: {
        sql:
          `WITH v AS (SELECT e.ctxb_row, ${fromRows} FROM json_array_elements(CAST(? AS json)) ` +
          `WITH ORDINALITY AS e(ctxb_value, ctxb_row)), ` +
          `f AS (SELECT ${keyColumns.map((c) => `t.${q(c)}`).join(', ')} FROM ${q(module.table)} AS t WHERE ${named}), ` +
          `u AS (UPDATE ${q(module.table)} AS t SET ${columns.map((c) => `${q(c)} = ${at(c)}`).join(', ')} ` +
          `FROM v WHERE ${named} AND ${matches('t', at)}${guard} ` +
          `RETURNING ${keyColumns.map((c) => `t.${q(c)}`).join(', ')}) ` +
          `SELECT CAST(v.ctxb_row AS integer) AS row_number, ` +
          `CASE WHEN EXISTS (SELECT 1 FROM u WHERE ${held('u')}) THEN 1 ELSE 0 END AS written, ` +
          `CASE WHEN EXISTS (SELECT 1 FROM f WHERE ${held('f')}) THEN 1 ELSE 0 END AS found ` +
          `FROM v ORDER BY v.ctxb_row`,
        params: [JSON.stringify(rows.map(({ row }) => fields.map((f) => row[f] ?? null)))],
      },
    });
  }
  return {
    statements,
    requests: answers.map(
      (failure, i) =>
        failure ??
        placed[i].map(({ document, id, version: v }) => {
          const { statement, row, version: written } = rowOf.get(id)!;
          return { document, statement, row, superseded: written !== v };
        }),
    ),
  };
}

interface BatchRow {
  row: Record<string, FieldValue>;
  /** The columns the row sets. */
  columns: string[];
  version: number;
}

/**
 * Reads the money of the ERP documents a batch links into, in one statement: rows `k0`…`kn`
 * (the key columns), `currency`, `amount` and `records`, one per document and currency.
 */
export interface AmountsRead {
  select: SqlStatement;
  /** Per request of the batch, its documents, each with the key values that find its rows. */
  documents: { document: string; key: FieldValue[] }[][];
}

/**
 * The statement that reads back the money of the ERP records a batch of context versions links
 * into (pure): the amount column (or credit less debit), summed per document key and currency
 * over the rows the key finds and the profile's conditions keep. One statement for the batch,
 * not one per document: a read costs a round trip, and it follows every write. Undefined when
 * the module names no amounts or the batch links into no document.
 */
export function amountsRead(
  module: ModuleProfile,
  quoting: OdbcProfile['quoting'],
  requests: readonly LinkRequest[],
): AmountsRead | undefined {
  const amounts = module.amounts;
  if (!amounts) return undefined;
  const q = (name: string) => quoteName(name, quoting);
  const documents = requests.map((request) =>
    recordsOf(module, request).map(({ document, source }) => ({
      document,
      key: Object.values(keyOf(module, source)),
    })),
  );
  // Each key once, however many requests of the batch link into it.
  const keys = [...new Map(documents.flat().map((d) => [JSON.stringify(d.key), d.key])).values()];
  if (keys.length === 0) return undefined;
  const columns = Object.keys(module.key).map(q);
  const figure =
    'column' in amounts.amount
      ? q(amounts.amount.column)
      : `${q(amounts.amount.credit)} - ${q(amounts.amount.debit)}`;
  const currency = amounts.currency ? q(amounts.currency) : "''";
  const { conditions, params } = amountConditions(amounts, q);
  const found =
    columns.length === 1
      ? `${columns[0]} IN (${keys.map(() => '?').join(', ')})`
      : `(${keys.map(() => `(${columns.map((c) => `${c} = ?`).join(' AND ')})`).join(' OR ')})`;
  const groups = [...columns, ...(amounts.currency ? [currency] : [])].join(', ');
  return {
    documents,
    select: {
      sql:
        `SELECT ${columns.map((c, i) => `${c} AS k${i}`).join(', ')}, ${currency} AS currency, ` +
        `SUM(${figure}) AS amount, COUNT(*) AS records FROM ${q(module.table)} ` +
        `WHERE ${[found, ...conditions].join(' AND ')} GROUP BY ${groups} ORDER BY ${groups}`,
      params: [...keys.flat(), ...params],
    },
  };
}

function amountConditions(amounts: AmountsProfile, q: (name: string) => string) {
  const conditions: string[] = [];
  const params: FieldValue[] = [];
  for (const condition of amounts.where)
    if ('prefix' in condition) {
      // LIKE with the prefix's own wildcards escaped: a prefix is matched as written.
      conditions.push(`${q(condition.column)} LIKE ? ESCAPE '!'`);
      params.push(`${condition.prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`);
    } else {
      conditions.push(`${q(condition.column)} IN (${condition.values.map(() => '?').join(', ')})`);
      params.push(...condition.values);
    }
  return { conditions, params };
}
