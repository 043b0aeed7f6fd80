import { civilFromDays, daysFromCivil, daysInMonth, digitsAt, isDigit } from './calendar';

const MINUTE_MS = 60_000;

/**
 * The instant of an RFC 3339 timestamp with a zone — `YYYY-MM-DDTHH:MM:SS[.1–9 digits]`
 * then `Z` or `±hh:mm` — on a real calendar date, in ms since the epoch; NaN for anything
 * else. It reads what Date.parse reads the same way (the fraction cut to milliseconds, years
 * 0000–0099 as written), and it also reads a leap second (`23:59:60`), which Date.parse
 * refuses, as the first moment of the next second, as POSIX time does. Every event is read
 * with it, so it builds no Date, match or array.
 */
export function timestampMs(value: unknown): number {
  if (typeof value !== 'string' || value.length < 20) return Number.NaN;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (
    value[4] !== '-' ||
    value[7] !== '-' ||
    value[10] !== 'T' ||
    value[13] !== ':' ||
    value[16] !== ':' ||
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60
  )
    return Number.NaN;
  let zone = 19;
  let ms = 0;
  if (value[zone] === '.') {
    do zone++;
    while (isDigit(value.charCodeAt(zone)));
    const fraction = zone - 20;
    if (fraction < 1 || fraction > 9) return Number.NaN;
    ms =
      fraction >= 3 ? digitsAt(value, 20, 3) : digitsAt(value, 20, fraction) * 10 ** (3 - fraction);
  }
  const offset = zoneMinutes(value, zone);
  if (Number.isNaN(offset)) return Number.NaN;
  const minutes = (daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offset;
  return minutes * MINUTE_MS + second * 1000 + ms;
}

const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** The instants whose year has four digits: 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. */
const FOUR_DIGIT_YEARS = { from: -62_167_219_200_000, to: 253_402_300_799_999 };
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

/**
 * An instant (whole ms since the epoch) as `Date.prototype.toISOString` writes it
 * (`YYYY-MM-DDTHH:MM:SS.mmmZ`), without building a Date: contexts write every event time
 * they show this way, version after version. Outside four-digit years, and for anything
 * but a whole number, it is Date's own answer (or its RangeError).
 */
export function isoTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < FOUR_DIGIT_YEARS.from || ms > FOUR_DIGIT_YEARS.to)
    return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  const { year, month, day } = civilFromDays(days);
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  const minute = Math.floor(rest / MINUTE_MS);
  rest -= minute * MINUTE_MS;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${TWO_DIGITS[Math.floor(milli / 10)]}${milli % 10}Z`;
}

/** An RFC 3339 timestamp with a zone on a real calendar date (see timestampMs). */
export function isTimestamp(value: unknown): value is string {
  return !Number.isNaN(timestampMs(value));
}

/**
 * The offset in minutes east of UTC written in `text` from `at` to its end: `Z`, or `±hh:mm`
 * with hh < 24 and mm < 60. NaN for anything else.
 */
function zoneMinutes(text: string, at: number): number {
  const sign = text.charCodeAt(at);
  if (sign === 90 /* Z */) return at === text.length - 1 ? 0 : Number.NaN;
  if ((sign !== 43 && sign !== 45) /* + - */ || at !== text.length - 6) return Number.NaN;
  const hours = digitsAt(text, at + 1, 2);
  const minutes = digitsAt(text, at + 4, 2);
  if (text.charCodeAt(at + 3) !== 58 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59)
    return Number.NaN;
  return (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Why an event's time is too far ahead of a clock to be taken, or undefined if it is not.
 * Event time only moves forward in the engine: one event stamped by a device whose clock is
 * years ahead would carry every journey's window with it, and the events after it would all
 * be too old. `toleranceMs` allows for ordinary clock skew.
 */
export function timeAheadProblem(
  time: string,
  nowMs: number,
  toleranceMs: number,
): string | undefined {
  const ahead = timestampMs(time) - nowMs;
  if (!(ahead > toleranceMs)) return undefined;
  return `time ${time} is ${duration(ahead)} ahead of the clock here (${new Date(nowMs).toISOString()}); at most ${duration(toleranceMs)} ahead is taken (engine.futureToleranceSeconds): correct the producer's clock, or replay the event once its time has come`;
}

/** A span in the largest unit it has at least two of: `90 s`, `45 min`, `5 h`, `26329 days`. */
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3_600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}
