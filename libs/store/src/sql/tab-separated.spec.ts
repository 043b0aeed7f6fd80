import fc from 'fast-check';
import { tabSeparatedBytes, tabSeparatedField, tabSeparatedRows } from './tab-separated';

/** ClickHouse's reading of a TabSeparated field: `\` and the character after it as one. */
function readField(field: string): string {
  const named: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0' };
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c !== '\\') out += c;
    else out += named[field[++i]] ?? field[i];
  }
  return out;
}

describe('TabSeparated rows', () => {
  it('escapes what ends a field or starts an escape, and nothing else', () => {
    expect(tabSeparatedField('a\tb\nc\rd\\e\0f')).toBe('a\\tb\\nc\\rd\\\\e\\0f');
    expect(tabSeparatedField('{"a":"x\\"y"}')).toBe('{"a":"x\\\\"y"}');
    expect(tabSeparatedField('😀 注文 \u0001 \\N')).toBe('😀 注文 \u0001 \\\\N');
    expect(tabSeparatedField('plain')).toBe('plain');
    expect(tabSeparatedField(42)).toBe('42');
  });

  it('reads back as the same text, with no tab or line break of its own (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' })),
        (value) => {
          const field = tabSeparatedField(value);
          expect(field).not.toMatch(/[\t\n\r\0]/);
          expect(readField(field)).toBe(value);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses numbers without an exact whole text', () => {
    for (const n of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => tabSeparatedField(n)).toThrow(RangeError);
    }
  });

  it('writes each row on its line, columns in the order given', () => {
    const rows = [
      { a: 'x', b: 1, c: 'tab\there' },
      { a: '', b: 0, c: '' },
    ];
    expect(tabSeparatedRows(rows, ['c', 'a', 'b'])).toBe('tab\\there\tx\t1\n\t\t0\n');
    expect(tabSeparatedRows([], ['a'])).toBe('');
  });

  it('escapes bytes as it escapes text: the same UTF-8 for any text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' })),
        (value) => {
          const bytes = Buffer.from(value);
          expect(tabSeparatedBytes(bytes).equals(Buffer.from(tabSeparatedField(value)))).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('gives back the same buffer when nothing needs escaping', () => {
    const plain = Buffer.from('{"a":"注文 😀"}');
    expect(tabSeparatedBytes(plain)).toBe(plain);
    expect(tabSeparatedBytes(Buffer.from('a\\b\t\n\r\0')).toString()).toBe('a\\\\b\\t\\n\\r\\0');
  });
});
