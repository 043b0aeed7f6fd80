import { digitsAt, isTimestamp } from '@ctxb/events';

/**
 * An event's time in ms since the epoch, exactly as `Date.parse` reads it. The form nearly
 * every producer sends — `YYYY-MM-DDTHH:mm:ssZ` or `YYYY-MM-DDTHH:mm:ss.sssZ` — is read
 * directly (the engine does this for every event); anything else goes to `Date.parse`.
 */
export function eventTime(time: string): number {
  const n = time.length;
  if ((n === 20 || n === 24) && time[n - 1] === 'Z' && isTimestamp(time)) {
    const year = digitsAt(time, 0, 4);
    const second = digitsAt(time, 17, 2);
    // Date.UTC maps years 0–99 onto 1900–1999 and rolls a leap second over; Date.parse
    // does neither.
    if (year >= 100 && second < 60)
      return Date.UTC(
        year,
        digitsAt(time, 5, 2) - 1,
        digitsAt(time, 8, 2),
        digitsAt(time, 11, 2),
        digitsAt(time, 14, 2),
        second,
        n === 24 ? digitsAt(time, 20, 3) : 0,
      );
  }
  return Date.parse(time);
}
