import {
  applyFieldMapping,
  DeliveryFailure,
  type FieldValue,
  type LinkRequest,
} from '@ctxb/connector-sdk';
import type { ModuleProfile, OdbcProfile } from './odbc-profile';

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

/** The ERP records a context version is linked into by this module, with the source of each. */
export function recordsOf(
  module: ModuleProfile,
  record: LinkRequest['record'],
): { document: string; source: object }[] {
  const documents =
    module.each === 'order'
      ? [record.order.orderId]
      : module.each === 'invoice'
        ? record.correlations.invoices
        : record.correlations.journals;
  return documents.map((document) => ({ document, source: { ...record, document } }));
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
  return recordsOf(module, request.record).map(({ document, source }) => {
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
 * The statements that link one context version into a module (pure): one UPDATE per ERP
 * record, guarded by the version column when the profile names one, and its probe.
 */
export function linkWrites(
  module: ModuleProfile,
  quoting: OdbcProfile['quoting'],
  request: LinkRequest,
): RecordWrite[] {
  const q = (name: string) => quoteName(name, quoting);
  return recordsOf(module, request.record).map(({ document, source }) => {
    const key = keyOf(module, source);
    const values = applyFieldMapping(module.columns, source);
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
