import fc from 'fast-check';
import { moneyText } from './erp-amounts';

describe('moneyText', () => {
  it('writes driver numbers with the column scale', () => {
    expect(moneyText(249.9, 2)).toBe('249.9');
    expect(moneyText(210, 2)).toBe('210');
    expect(moneyText(-39.9, 2)).toBe('-39.9');
    expect(moneyText(12345678901234.56, 2)).toBe('12345678901234.56');
    expect(moneyText(0.1 + 0.2, 2)).toBe('0.3');
    expect(moneyText(1.0000004, 9)).toBe('1');
  });

  it('rounds text to six places and normalises it', () => {
    expect(moneyText('249.900000000')).toBe('249.9');
    expect(moneyText(' 0012.5 ')).toBe('12.5');
    expect(moneyText('-0.0000004')).toBe('0');
    expect(moneyText('1.2345675')).toBe('1.234568');
    expect(moneyText(7n)).toBe('7');
  });

  it('is null for what is not an amount', () => {
    for (const value of [null, undefined, Number.NaN, Infinity, 'abc', '', '1e5', {}, true])
      expect(moneyText(value)).toBeNull();
  });

  it('gives back every amount with cents up to ten trillion exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (cents) => {
        const sign = cents < 0n ? '-' : '';
        const abs = (cents < 0n ? -cents : cents).toString().padStart(3, '0');
        const exact = `${sign}${abs.slice(0, -2)}.${abs.slice(-2)}`;
        const expected = moneyText(exact);
        expect(moneyText(Number(exact), 2)).toBe(expected);
      }),
    );
  });
});
