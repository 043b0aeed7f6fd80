import { DeliveryFailure } from './delivery-failure';

/** A value written into a target field: text, a number, or nothing (SQL NULL, a cleared field). */
export type FieldValue = string | number | null;

/** One step applied to a field's value, in the order listed. */
export type Transform =
  /** At most this many characters (by code point, so a surrogate pair is never split). */
  | { truncate: number }
  /** A time (ISO-8601 text or epoch milliseconds) as `iso`, `date` (YYYY-MM-DD, UTC),
   * `datetime` (YYYY-MM-DD HH:MM:SS, UTC) or `epoch-ms`. */
  | { date: DateFormat }
  /** A decimal amount with exactly this many digits after the point, rounded half away from
   * zero on the text (never through binary floating point). */
  | { decimal: number }
  /** A code from a table (say, channel → the ERP's marketing code); `otherwise` when absent
   * from it (left out: the value is kept as it is). */
  | { lookup: Record<string, string>; otherwise?: string }
  | { upper: true }
  | { lower: true }
  /** Zeros in front up to this many characters (`7` → `0000000007`): numbers kept in text
   * columns sort as numbers (Oracle's CHANGE_SEQUENCE, interface-line attributes). */
  | { pad: number }
  /** Used when the value is missing (null). */
  | { default: string | number };

export const DATE_FORMATS = ['iso', 'date', 'datetime', 'epoch-ms'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/**
 * Where a target field's value comes from: a path into the source (dotted; a number picks a
 * list item, `length` counts a list), or a constant.
 */
export type FieldSource = { from: string; transform?: Transform[] } | { value: string | number };

/** Target field name → where its value comes from. */
export type FieldMapping = Record<string, FieldSource>;

/** A problem in a mapping's configuration, at a key path such as `columns.x_channel.transform[0]`. */
export interface MappingProblem {
  key: string;
  message: string;
}

const SEGMENT = /^[A-Za-z0-9_]+$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Reads a mapping from configuration (parsed YAML): every problem, each with its key path
 * under `at`, or the mapping. Field names are taken as the target's identifiers and checked
 * by the connector that quotes them.
 */
export function readFieldMapping(
  input: unknown,
  at: string,
): { mapping: FieldMapping } | { problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ key, message });
  if (!isRecord(input) || Object.keys(input).length === 0) {
    problem(at, 'must map at least one field: <field>: { from: <path> } or { value: <constant> }');
    return { problems };
  }
  const mapping: FieldMapping = {};
  for (const [field, spec] of Object.entries(input)) {
    const key = `${at}.${field}`;
    if (!isRecord(spec)) {
      problem(key, 'must be { from: <path>, transform: [...] } or { value: <constant> }');
      continue;
    }
    const unknown = Object.keys(spec).filter((k) => !['from', 'transform', 'value'].includes(k));
    if (unknown.length > 0) problem(key, `unknown keys: ${unknown.join(', ')}`);
    if ('value' in spec) {
      if ('from' in spec || 'transform' in spec)
        problem(key, 'a constant (value) takes neither from nor transform');
      else if (typeof spec.value !== 'string' && typeof spec.value !== 'number')
        problem(`${key}.value`, 'must be text or a number');
      else mapping[field] = { value: spec.value };
      continue;
    }
    if (typeof spec.from !== 'string' || !validPath(spec.from)) {
      problem(
        `${key}.from`,
        'must be a path of letters, digits and _ joined by dots (e.g. journey.firstTouch.channel)',
      );
      continue;
    }
    const transforms = spec.transform ?? [];
    if (!Array.isArray(transforms)) {
      problem(`${key}.transform`, 'must be a list of steps');
      continue;
    }
    const steps = transforms.map((t, i) => readTransform(t, `${key}.transform[${i}]`, problem));
    if (steps.every((s): s is Transform => s !== undefined))
      mapping[field] = steps.length ? { from: spec.from, transform: steps } : { from: spec.from };
  }
  return problems.length ? { problems } : { mapping };
}

function readTransform(
  input: unknown,
  key: string,
  problem: (key: string, message: string) => void,
): Transform | undefined {
  const names = isRecord(input) ? Object.keys(input) : [];
  const name = names.find((n) => n !== 'otherwise');
  if (!isRecord(input) || name === undefined || names.length > (name === 'lookup' ? 2 : 1)) {
    problem(
      key,
      'must be one of truncate, date, decimal, lookup (+ otherwise), upper, lower, pad, default',
    );
    return undefined;
  }
  const arg = input[name];
  const wholeAtLeast = (min: number) => Number.isInteger(arg) && (arg as number) >= min;
  switch (name) {
    case 'truncate':
      if (wholeAtLeast(1)) return { truncate: arg as number };
      problem(`${key}.truncate`, 'must be a whole number of characters, at least 1');
      return undefined;
    case 'pad':
      if (wholeAtLeast(1) && (arg as number) <= 64) return { pad: arg as number };
      problem(`${key}.pad`, 'must be a whole number of characters, 1 to 64');
      return undefined;
    case 'decimal':
      if (wholeAtLeast(0) && (arg as number) <= 18) return { decimal: arg as number };
      problem(`${key}.decimal`, 'must be the digits after the point, 0 to 18');
      return undefined;
    case 'date':
      if ((DATE_FORMATS as readonly unknown[]).includes(arg)) return { date: arg as DateFormat };
      problem(`${key}.date`, `must be one of ${DATE_FORMATS.join(', ')}`);
      return undefined;
    case 'lookup': {
      const table = isRecord(arg) ? Object.entries(arg) : undefined;
      const otherwise = input.otherwise;
      if (!table || table.some(([, code]) => typeof code !== 'string')) {
        problem(`${key}.lookup`, 'must map values to text codes');
        return undefined;
      }
      if (otherwise !== undefined && typeof otherwise !== 'string') {
        problem(`${key}.otherwise`, 'must be text');
        return undefined;
      }
      const lookup = Object.fromEntries(table) as Record<string, string>;
      return otherwise === undefined ? { lookup } : { lookup, otherwise };
    }
    case 'upper':
    case 'lower':
      if (arg === true) return name === 'upper' ? { upper: true } : { lower: true };
      problem(`${key}.${name}`, 'must be true');
      return undefined;
    case 'default':
      if (typeof arg === 'string' || typeof arg === 'number') return { default: arg };
      problem(`${key}.default`, 'must be text or a number');
      return undefined;
    default:
      problem(key, `unknown step "${name}"`);
      return undefined;
  }
}

/**
 * The target fields of one source object (pure). A path that leads nowhere gives null; a value
 * a step cannot take (text where a decimal is due, an object for a field) is a permanent
 * mapping failure naming the field.
 */
export function applyFieldMapping(
  mapping: FieldMapping,
  source: unknown,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [field, spec] of Object.entries(mapping)) {
    if ('value' in spec) {
      out[field] = spec.value;
      continue;
    }
    let value = scalar(valueAt(source, spec.from), field, spec.from);
    for (const step of spec.transform ?? []) value = applyStep(step, value, field);
    out[field] = value;
  }
  return out;
}

function applyStep(step: Transform, value: FieldValue, field: string): FieldValue {
  if ('default' in step) return value ?? step.default;
  if (value === null) return null;
  if ('truncate' in step) return [...String(value)].slice(0, step.truncate).join('');
  if ('upper' in step) return String(value).toUpperCase();
  if ('lower' in step) return String(value).toLowerCase();
  if ('pad' in step) return String(value).padStart(step.pad, '0');
  if ('lookup' in step) {
    const code = Object.hasOwn(step.lookup, String(value)) ? step.lookup[String(value)] : undefined;
    return code ?? step.otherwise ?? value;
  }
  if ('decimal' in step) return decimalText(value, step.decimal, field);
  return dateValue(value, step.date, field);
}

/** Paths that name a context's reference rather than what it says: its id, version, panel link. */
export const REFERENCE_PATHS = ['contextReferenceId', 'version', 'panelUrl'] as const;

/**
 * The fields of a mapping that carry the context's reference (mapped from REFERENCE_PATHS):
 * all a target is given of version 0, before the journey is assembled (see placementRecord).
 */
export function referenceFields(mapping: FieldMapping): FieldMapping {
  return Object.fromEntries(
    Object.entries(mapping).filter(
      ([, source]) =>
        'from' in source && (REFERENCE_PATHS as readonly string[]).includes(source.from),
    ),
  );
}

/** The paths a mapping reads (its `from`s), each once, in mapping order. */
export function mappingPaths(mapping: FieldMapping): string[] {
  return [
    ...new Set(Object.values(mapping).flatMap((source) => ('from' in source ? [source.from] : []))),
  ];
}

/** The values a link job carries of a context version, by path (see contextFields). */
export type ContextFields = Readonly<Record<string, unknown>>;

/**
 * What a target reads of a context version: the value at each of `paths`, under the whole
 * path, null where the record has none (pure). A link job carries this instead of the whole
 * record: a tenth of its size or less, and it stays small however long the journey. Every
 * path is a key, so a reader can tell a value the record lacks from a path never copied.
 */
export function contextFields(record: object, paths: Iterable<string>): ContextFields {
  const fields: Record<string, unknown> = {};
  for (const path of paths) fields[path] = valueAt(record, path) ?? null;
  return fields;
}

/** `value` as a decimal with `scale` digits after the point, rounded half away from zero. */
export function decimalText(value: string | number, scale: number, field = 'value'): string {
  const text = typeof value === 'number' ? numberText(value, field) : value.trim();
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text) ?? /^([+-]?)()\.(\d+)$/.exec(text);
  if (!match)
    throw new DeliveryFailure('mapping', `${field}: "${text.slice(0, 40)}" is not a decimal`);
  const [, sign, whole, fraction = ''] = match;
  const digits = BigInt((whole || '0') + fraction.padEnd(scale + 1, '0').slice(0, scale + 1));
  // One digit more than kept, then half away from zero on the magnitude.
  const rounded = (digits + 5n) / 10n;
  const units = rounded.toString().padStart(scale + 1, '0');
  const body = scale === 0 ? units : `${units.slice(0, -scale)}.${units.slice(-scale)}`;
  return sign === '-' && rounded !== 0n ? `-${body}` : body;
}

function numberText(value: number, field: string): string {
  const text = String(value);
  if (!Number.isFinite(value) || /e/i.test(text))
    throw new DeliveryFailure('mapping', `${field}: ${text} is out of range for a decimal`);
  return text;
}

function dateValue(value: string | number, format: DateFormat, field: string): FieldValue {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime()))
    throw new DeliveryFailure('mapping', `${field}: "${String(value).slice(0, 40)}" is not a time`);
  if (format === 'epoch-ms') return ms;
  const iso = new Date(ms).toISOString();
  if (format === 'iso') return iso;
  if (format === 'date') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function scalar(value: unknown, field: string, path: string): FieldValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new DeliveryFailure('mapping', `${field}: ${path} is ${kindOf(value)}, not a single value`);
}

/**
 * The value at a dotted path of a source, or undefined. A source holds a value nested (a
 * context record) or under its whole path (the fields a link job carries, see contextFields):
 * segments never contain dots, so the two never meet.
 */
export function valueAt(source: unknown, path: string): unknown {
  if (isRecord(source) && Object.hasOwn(source, path)) return source[path];
  let at: unknown = source;
  for (const segment of path.split('.')) {
    if (Array.isArray(at) && /^\d+$/.test(segment)) at = at[Number(segment)];
    else if (Array.isArray(at) && segment === 'length') at = at.length;
    else if (isRecord(at) && Object.hasOwn(at, segment)) at = at[segment];
    else return undefined;
  }
  return at;
}

function validPath(path: string): boolean {
  return path.split('.').every((s) => SEGMENT.test(s) && !FORBIDDEN.has(s));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'a list' : 'an object';
}
