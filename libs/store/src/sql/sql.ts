/**
 * The one place SQL is built from values. ClickHouse 18.16 has no server-side query
 * parameters, so every value reaches a query as a literal rendered here, and identifiers
 * (tables, databases) only as validated names. Anything else is refused with SqlValueError,
 * never passed through.
 */

/** A value a query can hold: strings, numbers, booleans, instants, NULL and arrays of them. */
export type SqlValue = string | number | bigint | boolean | Date | null | readonly SqlValue[];

export class SqlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlValueError';
  }
}

/** ClickHouse's backslash escapes inside a quoted string (other characters go as they are). */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\x07': '\\a',
};
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\0\b\f\n\r\t\v\x07]/g;
// eslint-disable-next-line no-control-regex
const OTHER_CONTROL = /[\x01-\x06\x0e-\x1f\x7f]/g;
/** Any character NEEDS_ESCAPE or OTHER_CONTROL stands for. */
// eslint-disable-next-line no-control-regex
const ESCAPED_ANY = /[\\'\0-\x1f\x7f]/;
/** A UTF-16 surrogate without its pair: no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `value` as a ClickHouse literal; throws SqlValueError for what has no faithful literal. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return stringLiteral(value);
  if (typeof value === 'number') return numberLiteral(value);
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return dateTimeLiteral(value);
  if (Array.isArray(value)) return `[${value.map((v: SqlValue) => sqlLiteral(v)).join(', ')}]`;
  throw new SqlValueError(`no SQL literal for a value of type ${typeof value}`);
}

function stringLiteral(value: string): string {
  // Most strings hold nothing to escape: one scan, and they go as they are.
  if (!ESCAPED_ANY.test(value) && value.isWellFormed()) return `'${value}'`;
  if (LONE_SURROGATE.test(value))
    throw new SqlValueError('the string holds a lone UTF-16 surrogate (not valid Unicode)');
  const escaped = value
    .replace(NEEDS_ESCAPE, (c) => ESCAPES[c])
    .replace(OTHER_CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${escaped}'`;
}

function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new SqlValueError(`${value} has no SQL literal`);
  // Negative numbers in parentheses: `a - -1` and `a--1` (a comment!) must never happen.
  const text = Object.is(value, -0) ? '0' : String(value);
  return value < 0 ? `(${text})` : text;
}

/** A DateTime in UTC at second precision (what 18.16 stores); sub-second parts are refused. */
function dateTimeLiteral(value: Date): string {
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw new SqlValueError('an invalid Date has no SQL literal');
  if (ms % 1000 !== 0)
    throw new SqlValueError('DateTime has second precision; round the instant first');
  const iso = value.toISOString();
  if (iso.length !== 24 || ms < 0 || ms >= Date.UTC(2106, 1, 7))
    throw new SqlValueError(`${iso} is outside the DateTime range (1970 to 2106)`);
  return `toDateTime('${iso.slice(0, 10)} ${iso.slice(11, 19)}', 'UTC')`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A table, column or database name, quoted; only plain names are accepted. */
export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new SqlValueError(
      `"${name.slice(0, 80)}" is not a plain identifier (letters, digits, _; not starting with a digit)`,
    );
  return `\`${name}\``;
}

/** A piece of SQL that is already safe: from `sql`, `identifier`, or `raw` (constants only). */
export class SqlFragment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const identifier = (name: string): SqlFragment => new SqlFragment(sqlIdentifier(name));

/** SQL written in the code itself (a keyword, an ORDER BY from a fixed list): never input. */
export const raw = (text: string): SqlFragment => new SqlFragment(text);

/**
 * A query from a template: each `${…}` becomes a literal (or a fragment as it is), e.g.
 * sql`SELECT * FROM ${identifier(table)} WHERE order_id = ${orderId} LIMIT ${limit}`.
 */
export function sql(
  strings: TemplateStringsArray,
  ...values: readonly (SqlValue | SqlFragment)[]
): SqlFragment {
  let text = strings[0];
  values.forEach((value, i) => {
    text += value instanceof SqlFragment ? value.text : sqlLiteral(value);
    text += strings[i + 1];
  });
  return new SqlFragment(text);
}

/** Fragments joined with a separator, for IN lists, column lists and conditions. */
export function joinSql(parts: readonly SqlFragment[], separator = ', '): SqlFragment {
  return new SqlFragment(parts.map((p) => p.text).join(separator));
}
