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

/** RFC 3339's grammar (section 5.6, with the zone required) and the clock's ranges. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;
function byGrammar(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  return (
    month >= 1 &&
    month <= 12 &&
    // Date reads years 0–99 as 1900–1999; the calendar repeats every 400 years.
    realInstant(year < 100 ? year + 400 : year, month, day) &&
    hour < 24 &&
    minute < 60 &&
    second < 61 &&
    (m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60))
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

  it('answers as the grammar and the clock do, on near misses of every part (property)', () => {
    const digits = (min: number, max: number) =>
      fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    const part = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: odd });
    const sep = (usual: string) =>
      part(fc.constant(usual), fc.constantFrom('', ' ', 't', '/', ':', '-', '.'));
    const timestamp = fc
      .tuple(
        part(digits(4, 4), digits(0, 5)),
        sep('-'),
        part(fc.integer({ min: 0, max: 13 }).map(two), digits(0, 3)),
        sep('-'),
        part(fc.integer({ min: 0, max: 32 }).map(two), digits(0, 3)),
        sep('T'),
        part(fc.integer({ min: 0, max: 25 }).map(two), digits(0, 3)),
        sep(':'),
        part(fc.integer({ min: 0, max: 61 }).map(two), digits(0, 3)),
        sep(':'),
        part(fc.integer({ min: 0, max: 62 }).map(two), digits(0, 3)),
        fc.oneof(
          fc.constant(''),
          digits(0, 11).map((d) => `.${d}`),
          fc.constantFrom('.', ',5'),
        ),
        fc.oneof(
          fc.constantFrom('Z', 'z', '', 'UTC', 'Z ', '+0100', '+01', '+1:00'),
          fc
            .tuple(
              fc.constantFrom('+', '-'),
              fc.integer({ min: 0, max: 25 }).map(two),
              fc.integer({ min: 0, max: 61 }).map(two),
            )
            .map(([sign, h, m]) => `${sign}${h}:${m}`),
        ),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(timestamp, (value) => {
        expect(isTimestamp(value)).toBe(byGrammar(value));
      }),
      { numRuns: 20_000 },
    );
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
