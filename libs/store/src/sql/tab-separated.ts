/**
 * Rows in ClickHouse's TabSeparated input format: one line per row, its fields apart by tabs.
 * Inside a field, the characters that would end it or start an escape — backslash, tab, line
 * feed, carriage return, NUL — are written as `\\`, `\t`, `\n`, `\r`, `\0`; every other
 * character stands for itself (18.16 and current ClickHouse read it the same). Used where many
 * rows go at once: no object is serialised per row, and a field without those characters
 * (nearly every one) goes as it is. Like any text sent as UTF-8, a lone UTF-16 surrogate
 * arrives as U+FFFD.
 */

/** What a field may hold: text, or a whole number (a DateTime goes as its text). */
export type TabSeparatedValue = string | number;

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

/** One field of a row; throws for a number that is not a safe integer (it has no exact text). */
export function tabSeparatedField(value: TabSeparatedValue): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`a TabSeparated field takes whole numbers only, got ${value}`);
    return String(value);
  }
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]) : value;
}

/** One row's `columns` in that order, each a field, tabs between (no line end). */
export function tabSeparatedLine<
  Row extends Record<Column, TabSeparatedValue>,
  Column extends string,
>(row: Row, columns: readonly Column[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += '\t';
    line += tabSeparatedField(row[columns[i]]);
  }
  return line;
}

/** The rows as TabSeparated text, each row's `columns` in that order, every line ended. */
export function tabSeparatedRows<
  Row extends Record<Column, TabSeparatedValue>,
  Column extends string,
>(rows: readonly Row[], columns: readonly Column[]): string {
  let text = '';
  for (const row of rows) text += `${tabSeparatedLine(row, columns)}\n`;
  return text;
}

/** The bytes tabSeparatedField escapes (all ASCII), and what each becomes. */
const ESCAPED_BYTES = new Map(
  Object.entries(ESCAPES).map(([c, escaped]) => [c.charCodeAt(0), Buffer.from(escaped)]),
);
const SPECIAL_BYTES = [...ESCAPED_BYTES.keys()];

/**
 * tabSeparatedField of UTF-8 text that is at hand as bytes (an event as it came from Kafka),
 * as bytes, without decoding it: the same buffer when nothing needs escaping. The escaped
 * characters are ASCII, so no byte of a longer UTF-8 sequence is mistaken for one.
 */
export function tabSeparatedBytes(text: Buffer): Buffer {
  if (!SPECIAL_BYTES.some((byte) => text.includes(byte))) return text;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const escaped = ESCAPED_BYTES.get(text[i]);
    if (!escaped) continue;
    parts.push(text.subarray(from, i), escaped);
    from = i + 1;
  }
  parts.push(text.subarray(from));
  return Buffer.concat(parts);
}
