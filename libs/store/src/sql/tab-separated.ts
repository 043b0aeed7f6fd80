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

/** The rows as TabSeparated text, each row's `columns` in that order, every line ended. */
export function tabSeparatedRows<
  Row extends Record<Column, TabSeparatedValue>,
  Column extends string,
>(rows: readonly Row[], columns: readonly Column[]): string {
  let text = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += '\t';
      line += tabSeparatedField(row[columns[i]]);
    }
    text += `${line}\n`;
  }
  return text;
}

/** The bytes that tabSeparatedField escapes, and what each becomes. */
const SPECIAL_BYTES: readonly [number, Buffer][] = [
  [0x5c, Buffer.from('\\\\')],
  [0x09, Buffer.from('\\t')],
  [0x0a, Buffer.from('\\n')],
  [0x0d, Buffer.from('\\r')],
  [0x00, Buffer.from('\\0')],
];

/**
 * tabSeparatedField of UTF-8 text that is at hand as bytes (an event as it came from Kafka),
 * as bytes, without decoding it: the same buffer when nothing needs escaping. The escaped
 * characters are ASCII, so no byte of a longer UTF-8 sequence is mistaken for one.
 */
export function tabSeparatedBytes(text: Buffer): Buffer {
  if (!SPECIAL_BYTES.some(([byte]) => text.includes(byte))) return text;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const escape = SPECIAL_BYTES.find(([byte]) => byte === text[i]);
    if (!escape) continue;
    parts.push(text.subarray(from, i), escape[1]);
    from = i + 1;
  }
  parts.push(text.subarray(from));
  return Buffer.concat(parts);
}
