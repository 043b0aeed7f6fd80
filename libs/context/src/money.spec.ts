import fc from 'fast-check';
import { roundMoney, fromMicros, toMicros } from './money';

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

describe('roundMoney', () => {
  it.each([
    ['24737.573833', '24737.57'],
    ['363.86125', '363.86'],
    ['205.865', '205.87'],
    ['-47.905', '-47.91'],
    ['-0.004', '0.00'],
    ['80', '80.00'],
    ['0.1', '0.10'],
  ])('%s → %s', (amount, rounded) => expect(roundMoney(amount)).toBe(rounded));

  it('keeps other precisions and refuses what is not an amount', () => {
    expect(roundMoney('1.23456', 3)).toBe('1.235');
    expect(roundMoney('12.5', 0)).toBe('13');
    expect(roundMoney('twelve')).toBeNull();
  });
});
