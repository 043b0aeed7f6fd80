const digits = (text: string, from: number, count: number): number => {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
};

/**
 * An event's time in ms since the epoch, exactly as `Date.parse` reads it. The form nearly
 * every producer sends — `YYYY-MM-DDTHH:mm:ssZ` or `YYYY-MM-DDTHH:mm:ss.sssZ` — is read
 * directly (the engine does this for every event); anything else goes to `Date.parse`.
 */
export function eventTime(time: string): number {
  const n = time.length;
  if (
    (n === 20 || (n === 24 && time[19] === '.')) &&
    time[4] === '-' &&
    time[7] === '-' &&
    time[10] === 'T' &&
    time[13] === ':' &&
    time[16] === ':' &&
    time[n - 1] === 'Z'
  ) {
    const year = digits(time, 0, 4);
    const month = digits(time, 5, 2);
    const day = digits(time, 8, 2);
    const hour = digits(time, 11, 2);
    const minute = digits(time, 14, 2);
    const second = digits(time, 17, 2);
    const ms = n === 24 ? digits(time, 20, 3) : 0;
    if (
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysIn(year, month) &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59 &&
      ms >= 0
    ) {
      const at = Date.UTC(year, month - 1, day, hour, minute, second, ms);
      // Date.UTC maps years 0–99 onto 1900–1999; Date.parse does not.
      if (year >= 100) return at;
    }
  }
  return Date.parse(time);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
