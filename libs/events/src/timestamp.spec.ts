import fc from 'fast-check';
import { civilFromDays, daysFromCivil } from './calendar';
import { isoTimestamp, isTimestamp, timeAheadProblem, timestampMs } from './timestamp';

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

/**
 * The instant Date.parse gives; a leap second, which it refuses, is the second before it
 * plus one (POSIX time).
 */
function byClock(value: string): number {
  return value.startsWith('60', 17)
    ? Date.parse(`${value.slice(0, 17)}59${value.slice(19)}`) + 1000
    : Date.parse(value);
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
        const valid = byGrammar(value);
        expect(isTimestamp(value)).toBe(valid);
        expect(timestampMs(value)).toBe(valid ? byClock(value) : Number.NaN);
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

describe('timestampMs', () => {
  it.each([
    ['2026-03-14T16:05:00Z', '2026-03-14T16:05:00.000Z'],
    ['2026-03-14T17:05:00.250+01:00', '2026-03-14T16:05:00.250Z'],
    ['2026-03-14T16:05:00.9999999Z', '2026-03-14T16:05:00.999Z'],
    ['2026-03-14T16:05:00.1Z', '2026-03-14T16:05:00.100Z'],
    ['2026-03-14T00:30:00-23:59', '2026-03-15T00:29:00.000Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0099-12-31T23:59:59Z', '0099-12-31T23:59:59.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T23:59:60.5Z', '2017-01-01T00:00:00.500Z'],
    ['2017-01-01T00:59:60+01:00', '2017-01-01T00:00:00.000Z'],
  ])('%s is the instant %s', (value, instant) => {
    expect(new Date(timestampMs(value)).toISOString()).toBe(instant);
  });

  it('reads every instant Date writes, with and without milliseconds (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const iso = date.toISOString();
          expect(timestampMs(iso)).toBe(date.getTime());
          expect(timestampMs(`${iso.slice(0, 19)}Z`)).toBe(
            Math.floor(date.getTime() / 1000) * 1000,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is NaN for what is not a timestamp', () => {
    for (const value of ['2026-02-29T00:00:00Z', '2026-03-14T16:05:00', '', 42, null, undefined])
      expect(timestampMs(value)).toBeNaN();
  });
});

describe('daysFromCivil', () => {
  it('counts days as Date does, in every year from 0 to 9999 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          fc.pre(day <= new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate());
          const date = new Date(0);
          date.setUTCFullYear(year, month - 1, day);
          expect(daysFromCivil(year, month, day)).toBe(date.getTime() / 86_400_000);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('civilFromDays', () => {
  it('is the date daysFromCivil counted, on every day of years -400 to 10400 (property)', () => {
    const from = daysFromCivil(-400, 1, 1);
    const to = daysFromCivil(10_400, 12, 31);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(month).toBeGreaterThanOrEqual(1);
        expect(month).toBeLessThanOrEqual(12);
        expect(day).toBeGreaterThanOrEqual(1);
        expect(day).toBeLessThanOrEqual(31);
        expect(daysFromCivil(year, month, day)).toBe(days);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('isoTimestamp', () => {
  const first = Date.parse('0000-01-01T00:00:00.000Z');
  const last = Date.parse('9999-12-31T23:59:59.999Z');

  it('writes what Date.toISOString writes, for any whole ms of a four-digit year (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 10_000 },
    );
  });

  it('agrees on the edges: the epoch, leap days, the ends of days and of the range', () => {
    for (const text of [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:34:56.789Z',
      '1900-02-28T23:59:59.999Z',
      '1900-03-01T00:00:00.000Z',
      '2024-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(isoTimestamp(Date.parse(text))).toBe(text);
  });

  it('answers as Date does outside four-digit years and for fractions, and throws as it does', () => {
    for (const ms of [first - 1, last + 1, 8.64e15, -8.64e15, 1.5, -0.5])
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => isoTimestamp(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('timeAheadProblem', () => {
  const now = Date.parse('2026-12-01T06:00:00Z');
  const hour = 3_600_000;

  it('takes what is at most the tolerance ahead, and anything in the past', () => {
    for (const time of ['2026-12-01T07:00:00Z', '2026-12-01T06:59:59.999Z', '1999-01-01T00:00:00Z'])
      expect(timeAheadProblem(time, now, hour)).toBeUndefined();
  });

  it('refuses what is further ahead, saying by how much and what the limit is', () => {
    expect(timeAheadProblem('2026-12-01T07:00:00.001+00:00', now, hour)).toMatch(
      /^time \S+ is 60 min ahead/,
    );
    expect(timeAheadProblem('2026-12-01T06:01:30Z', now, 60_000)).toMatch(
      / is 90 s ahead .* most 60 s /,
    );
    expect(timeAheadProblem('2026-12-01T11:00:00Z', now, hour)).toMatch(/ is 5 h ahead/);
    expect(timeAheadProblem('2099-01-01T00:00:00Z', now, hour)).toBe(
      "time 2099-01-01T00:00:00Z is 26328 days ahead of the clock here (2026-12-01T06:00:00.000Z); at most 60 min ahead is taken (engine.futureToleranceSeconds): correct the producer's clock, or replay the event once its time has come",
    );
  });

  it('reads the zone: local 08:30 at +02:00 is 06:30 UTC, within an hour', () => {
    expect(timeAheadProblem('2026-12-01T08:30:00+02:00', now, hour)).toBeUndefined();
    expect(timeAheadProblem('2026-12-01T08:30:00Z', now, hour)).toBeDefined();
  });
});
