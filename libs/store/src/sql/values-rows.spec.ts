import fc from 'fast-check';
import { sqlLiteral } from './sql';
import { stringLiteralBytes, valuesField, valuesRows } from './values-rows';

/** Any text, and text made mostly of what needs escaping. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: fc.constantFrom("'", '\\', '\n', '\t', '\0', '\x7f', ')', '(', ',', 'é') }),
);

describe('Values rows', () => {
  it('renders text as sqlLiteral does and whole numbers bare', () => {
    expect(valuesField("O'Brien\\")).toBe("'O\\'Brien\\\\'");
    expect(valuesField('{"a":"x\\"y"}\n')).toBe('\'{"a":"x\\\\"y"}\\n\'');
    expect(valuesField('')).toBe("''");
    expect(valuesField(42)).toBe('42');
    expect(valuesField(-7)).toBe('-7');
    expect(valuesField(0)).toBe('0');
  });

  it('stores text that is not valid Unicode as UTF-8 would carry it (U+FFFD)', () => {
    expect(valuesField('a\ud800b')).toBe("'a\ufffdb'");
    expect(valuesField('\udc00')).toBe("'\ufffd'");
    expect(valuesField('😀')).toBe("'😀'");
  });

  it('refuses numbers without an exact whole text', () => {
    for (const n of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53)])
      expect(() => valuesField(n)).toThrow(RangeError);
  });

  it('writes each row as a tuple on its line, columns in the order given', () => {
    const rows = [
      { a: 'x', b: 1, c: 'line\nbreak' },
      { a: '', b: 0, c: ')' },
    ];
    expect(valuesRows(rows, ['c', 'a', 'b'])).toBe("('line\\nbreak','x',1)\n(')','',0)\n");
    expect(valuesRows([], ['a'])).toBe('');
  });

  it('has one line per row, each a tuple, whatever the text holds (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: anyText, n: fc.integer(), b: anyText })), (rows) => {
        const lines = valuesRows(rows, ['a', 'n', 'b']).split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(rows.length);
        lines.forEach((line, i) => {
          const { a, n, b } = rows[i];
          expect(line).toBe(`(${sqlLiteral(a)},${String(n)},${sqlLiteral(b)})`);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes bytes as sqlLiteral escapes text: the same UTF-8 for any text (property)', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const bytes = Buffer.concat(stringLiteralBytes(Buffer.from(value)));
        expect(bytes.equals(Buffer.from(sqlLiteral(value)))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the text as one piece when nothing needs escaping', () => {
    const plain = Buffer.from('{"a":"注文 😀"}');
    const pieces = stringLiteralBytes(plain);
    expect(pieces).toHaveLength(3);
    expect(pieces[1]).toBe(plain);
    expect(Buffer.concat(stringLiteralBytes(Buffer.from("a\\b'\n"))).toString()).toBe(
      "'a\\\\b\\'\\n'",
    );
  });
});
