import fc from 'fast-check';
import { fromMicros, toMicros } from './money';

describe('money as Int64 micro-units', () => {
  it.each<[string | null, string | null]>([
    ['19.99', '19990000'],
    ['0', '0'],
    ['-0.50', '-500000'],
    ['-0', '0'],
    ['0.000001', '1'],
    ['249.90', '249900000'],
    ['9223372036854.775807', '9223372036854775807'],
    ['9223372036854.775808', null],
    ['1.0000001', null],
    ['1e3', null],
    ['', null],
    [null, null],
  ])('%j → %j', (amount, micros) => {
    expect(toMicros(amount)).toBe(micros);
  });

  it('reads back every amount it accepts exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 0, max: 6 }),
        (units, places) => {
          const text = fromMicros(units * 10n ** BigInt(6 - places));
          expect(fromMicros(toMicros(text)!)).toBe(text);
          expect(toMicros(text)).toBe((units * 10n ** BigInt(6 - places)).toString());
        },
      ),
    );
  });
});

describe('fromMicros with minimum decimals', () => {
  it.each([
    ['19900000', 2, '19.90'],
    ['19990000', 2, '19.99'],
    ['0', 2, '0.00'],
    ['-5000000', 2, '-5.00'],
    ['1234567', 2, '1.234567'],
    ['7000000', 0, '7'],
  ])('%s with %i decimals is %s', (micros, decimals, text) => {
    expect(fromMicros(micros, decimals)).toBe(text);
  });
});
