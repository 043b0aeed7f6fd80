import fc from 'fast-check';
import { isTimestamp } from './decorators';

const two = (n: number) => String(n).padStart(2, '0');

/** The same question answered with Date, which is proleptic Gregorian from year 100 on. */
function realInstant(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

describe('isTimestamp', () => {
  it('takes RFC 3339 timestamps with a zone', () => {
    for (const value of [
      '2026-03-14T16:05:00Z',
      '2026-03-14T17:05:00.250+01:00',
      '2024-02-29T00:00:00.123456789-05:30',
      '2000-02-29T23:59:60Z',
    ])
      expect(isTimestamp(value)).toBe(true);
  });

  it('refuses what is not a real instant or not the shape', () => {
    for (const value of [
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-03-00T00:00:00Z',
      '2026-03-14T24:00:00Z',
      '2026-03-14T16:60:00Z',
      '2026-03-14T16:05:61Z',
      '2026-03-14T16:05:00+24:00',
      '2026-03-14T16:05:00+01:60',
      '2026-03-14T16:05:00',
      '2026-03-14 16:05:00Z',
      '',
      42,
      null,
    ])
      expect(isTimestamp(value)).toBe(false);
  });

  it('agrees with the calendar on every date', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const value = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T12:00:00Z`;
          expect(isTimestamp(value)).toBe(
            month >= 1 && month <= 12 && realInstant(year, month, day),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
