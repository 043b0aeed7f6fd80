import fc from 'fast-check';
import { eventTime } from './event-time';

describe('eventTime', () => {
  it('reads any instant as Date.parse does, with and without milliseconds', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0100-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const iso = date.toISOString();
          expect(eventTime(iso)).toBe(Date.parse(iso));
          const whole = `${iso.slice(0, 19)}Z`;
          expect(eventTime(whole)).toBe(Date.parse(whole));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2026-02-29T10:00:00Z', // not a leap year
    '2024-02-29T10:00:00.000Z',
    '2026-13-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:59:60Z',
    '0099-06-01T00:00:00Z',
    '2026-01-01T00:00:00.5Z',
    '2026-01-01T00:00:00+02:00',
    '2026-01-01 00:00:00Z',
    '2026-0a-01T00:00:00Z',
    'not a time at all, 24 c',
    '',
  ])('%s: as Date.parse', (time) => {
    expect(eventTime(time)).toBe(Date.parse(time));
  });

  it('agrees with Date.parse on arbitrary strings shaped like times', () => {
    const digit = fc.constantFrom(...'0123456789x'.split(''));
    const shaped = fc.array(digit, { minLength: 17, maxLength: 17 }).chain((d) =>
      fc.boolean().map((ms) => {
        const s = d.join('');
        return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}${ms ? `.${s.slice(14, 17)}` : ''}Z`;
      }),
    );
    fc.assert(
      fc.property(shaped, (time) => {
        expect(Object.is(eventTime(time), Date.parse(time))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
