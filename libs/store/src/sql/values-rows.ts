import { sqlLiteral } from './sql';

/**
 * Rows in ClickHouse's Values input format: each row a tuple of literals on a line of its
 * own, `('ctx_…',3,'{"order":…}')`. Every row ends with its closing parenthesis, so a body cut
 * short — the writing process killed mid-insert, the connection dropped — never parses and
 * the whole insert is refused (one insert is one block). A TabSeparated or CSV body cut short
 * is no such thing to a server before 20.x: it inserts what arrived, a row whose last field
 * was cut off included (ClickHouse issue 9666), and a later retry stores the whole row beside
 * the broken one.
 *
 * Strings are literals from sqlLiteral, the store's one escaping. Text that is not valid
 * Unicode (a lone UTF-16 surrogate) is stored as U+FFFD, as any text sent as UTF-8 arrives.
 * Both 18.16 and current ClickHouse read these rows the same, on their fast path (no
 * expression is evaluated: a DateTime goes as its text).
 */

/** What a field may hold: text, or a whole number. */
export type RowValue = string | number;

/** One field of a row; throws for a number that is not a safe integer (it has no exact text). */
export function valuesField(value: RowValue): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`a row field takes whole numbers only, got ${value}`);
    // Bare, sign and all: in a row a number is read as a number, never as an expression.
    return String(value);
  }
  return sqlLiteral(value.isWellFormed() ? value : value.toWellFormed());
}

/** One row's `columns` in that order, each a field, commas between (no parentheses). */
export function valuesFields<Row extends Record<Column, RowValue>, Column extends string>(
  row: Row,
  columns: readonly Column[],
): string {
  let fields = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) fields += ',';
    fields += valuesField(row[columns[i]]);
  }
  return fields;
}

/** The rows as Values text, each row's `columns` in that order, one tuple per line. */
export function valuesRows<Row extends Record<Column, RowValue>, Column extends string>(
  rows: readonly Row[],
  columns: readonly Column[],
): string {
  let text = '';
  for (const row of rows) text += `(${valuesFields(row, columns)})\n`;
  return text;
}

/**
 * Per byte, what sqlLiteral makes of it inside a literal when that is not the byte itself
 * (asked of sqlLiteral, so the rule is written once). Only ASCII bytes are looked at: no
 * byte of a longer UTF-8 sequence stands for a character of its own.
 */
const ESCAPES: readonly (Buffer | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const character = String.fromCharCode(byte);
  const literal = sqlLiteral(character).slice(1, -1);
  return byte < 0x80 && literal !== character ? Buffer.from(literal) : undefined;
});
/** 1 for each byte ESCAPES has an escape for: the scan's lookup, a typed array for speed. */
const ESCAPED = Uint8Array.from(ESCAPES, (escape) => (escape ? 1 : 0));
const QUOTE = Buffer.from("'");

/**
 * sqlLiteral of UTF-8 text at hand as bytes (an event as it came from Kafka), as the pieces
 * of its bytes, without decoding it: the text itself is one piece when nothing needs
 * escaping. The escaped characters are ASCII, so no byte of a longer UTF-8 sequence is taken
 * for one. For valid UTF-8 only (a lone surrogate has no UTF-8 form to be given as).
 */
export function stringLiteralBytes(text: Buffer): Buffer[] {
  const pieces: Buffer[] = [QUOTE];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (ESCAPED[text[i]] === 0) continue;
    if (i > from) pieces.push(text.subarray(from, i));
    pieces.push(ESCAPES[text[i]]!);
    from = i + 1;
  }
  pieces.push(from === 0 ? text : text.subarray(from), QUOTE);
  return pieces;
}
