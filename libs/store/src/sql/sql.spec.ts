import fc from 'fast-check';
import {
  identifier,
  joinSql,
  raw,
  sql,
  sqlIdentifier,
  sqlLiteral,
  SqlValueError,
  type SqlValue,
} from './sql';

describe('sqlLiteral', () => {
  it.each<[string, SqlValue, string]>([
    ['a plain string', 'order-12345', "'order-12345'"],
    ['the empty string', '', "''"],
    ['a quote', "O'Brien", "'O\\'Brien'"],
    ['a quote at the end', "x'", "'x\\''"],
    ['two quotes', "''", "'\\'\\''"],
    ['a backslash', 'a\\b', "'a\\\\b'"],
    ['a backslash before a quote', "\\'", "'\\\\\\''"],
    ['a trailing backslash', 'x\\', "'x\\\\'"],
    ['NUL', 'a\0b', "'a\\0b'"],
    ['newline, return, tab', 'a\nb\rc\td', "'a\\nb\\rc\\td'"],
    ['backspace, form feed, vertical tab, bell', '\b\f\v\x07', "'\\b\\f\\v\\a'"],
    ['other control characters', '\x01\x1b\x7f', "'\\x01\\x1b\\x7f'"],
    ['accents', 'café', "'café'"],
    ['a double quote and backquote', '"`', "'\"`'"],
    ['an emoji (surrogate pair)', 'a😀b', "'a😀b'"],
    ['CJK', '注文', "'注文'"],
    ['line and paragraph separators', '\u2028\u2029', "'\u2028\u2029'"],
    ['an injection attempt', "x' OR 1=1 --", "'x\\' OR 1=1 --'"],
    ['a comment opener', '/* x', "'/* x'"],
    ['zero', 0, '0'],
    ['minus zero', -0, '0'],
    ['an integer', 42, '42'],
    ['a negative integer', -5, '(-5)'],
    ['a decimal', 19.99, '19.99'],
    ['a tiny number', 1e-7, '1e-7'],
    ['a huge number', 1e21, '1e+21'],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['a bigint', 18446744073709551615n, '18446744073709551615'],
    ['a negative bigint', -9223372036854775808n, '(-9223372036854775808)'],
    ['true', true, '1'],
    ['false', false, '0'],
    ['NULL', null, 'NULL'],
    ['an instant', new Date('2026-03-14T16:05:00Z'), "toDateTime('2026-03-14 16:05:00', 'UTC')"],
    ['the epoch', new Date(0), "toDateTime('1970-01-01 00:00:00', 'UTC')"],
    ['an empty array', [], '[]'],
    ['an array of strings', ['a', "b'"], "['a', 'b\\'']"],
    ['an array of numbers', [1, -2.5], '[1, (-2.5)]'],
    ['nested arrays', [[1], []], '[[1], []]'],
  ])('renders %s', (_, value, literal) => {
    expect(sqlLiteral(value)).toBe(literal);
  });

  it.each<[string, SqlValue]>([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['an invalid Date', new Date('nope')],
    ['a Date with milliseconds', new Date('2026-03-14T16:05:00.123Z')],
    ['a Date before 1970', new Date('1969-12-31T23:59:59Z')],
    ['a Date after 2106', new Date('2200-01-01T00:00:00Z')],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00'],
    ['a bad element in an array', ['ok', NaN]],
  ])('refuses %s', (_, value) => {
    expect(() => sqlLiteral(value)).toThrow(SqlValueError);
  });

  it('refuses values of other types', () => {
    expect(() => sqlLiteral({} as unknown as SqlValue)).toThrow(SqlValueError);
    expect(() => sqlLiteral(undefined as unknown as SqlValue)).toThrow(SqlValueError);
  });

  /** Reads a rendered string literal back the way ClickHouse's lexer does. */
  function unquote(literal: string): string {
    expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
    const body = literal.slice(1, -1);
    const simple: Record<string, string> = {
      '\\': '\\',
      "'": "'",
      '0': '\0',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      a: '\x07',
    };
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      // An unescaped quote would end the literal early: never allowed.
      expect(c).not.toBe("'");
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = body[++i];
      if (next === 'x') {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        expect(simple[next]).toBeDefined();
        out += simple[next];
      }
    }
    return out;
  }

  it('round-trips any valid Unicode string and never lets a quote through (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme' }),
          fc.string({ unit: 'binary-ascii' }),
          fc.stringMatching(/^['\\\0\n\r\t a-z]*$/),
        ),
        (value) => {
          expect(unquote(sqlLiteral(value))).toBe(value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('renders every finite number as text that reads back as the same number (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const literal = sqlLiteral(value);
        expect(Number(literal.replace(/^\((.*)\)$/, '$1'))).toBe(value === 0 ? 0 : value);
        expect(literal).toMatch(/^(\(-[0-9.e+-]+\)|[0-9.e+-]+)$/);
      }),
    );
  });
});

describe('sqlIdentifier', () => {
  it.each(['context_records', 'ctx', '_tmp', 'T1'])('quotes %s', (name) => {
    expect(sqlIdentifier(name)).toBe(`\`${name}\``);
  });

  it.each(['', '1table', 'a-b', 'a b', 'a`b', "a'b", 'db.table', 'x; DROP TABLE y', 'é'])(
    'refuses %j',
    (name) => {
      expect(() => sqlIdentifier(name)).toThrow(SqlValueError);
    },
  );
});

describe('sql`…`', () => {
  it('renders each value as a literal and each fragment as it is', () => {
    const query = sql`SELECT * FROM ${identifier('context_records')} WHERE order_id = ${"12'345"} AND version > ${-1} ORDER BY ${raw('version DESC')} LIMIT ${10}`;
    expect(query.text).toBe(
      "SELECT * FROM `context_records` WHERE order_id = '12\\'345' AND version > (-1) ORDER BY version DESC LIMIT 10",
    );
  });

  it('nests fragments and joins lists', () => {
    const ids = ['a', "b'"].map((id) => sql`${id}`);
    const where = sql`id IN (${joinSql(ids)})`;
    expect(sql`SELECT 1 WHERE ${where}`.text).toBe("SELECT 1 WHERE id IN ('a', 'b\\'')");
    expect(joinSql([raw('a = 1'), raw('b = 2')], ' AND ').text).toBe('a = 1 AND b = 2');
  });
});
