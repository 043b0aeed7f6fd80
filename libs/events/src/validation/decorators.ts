import { ValidateBy, type ValidationOptions } from 'class-validator';
import { daysInMonth, digitsAt, isDigit } from '../calendar';

/** ISO 4217 codes the runtime knows (ICU's list, the same one Intl.NumberFormat uses). */
export const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

const DECIMAL = /^-?(0|[1-9]\d{0,17})(\.\d{1,6})?$/;

/** Money: a decimal string ("19.99"), never a JSON number, so no float ever touches an amount. */
export function IsMoney(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMoney',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && DECIMAL.test(value),
        defaultMessage: (args) =>
          typeof args?.value === 'number'
            ? `${args.property} must be a decimal string such as "19.99", not a number (floats lose cents)`
            : `${args?.property} must be a decimal string such as "19.99"`,
      },
    },
    options,
  );
}

export function IsCurrency(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCurrency',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && ISO_CURRENCIES.has(value),
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 4217 currency code such as "EUR", got ${JSON.stringify(args?.value)}`,
      },
    },
    options,
  );
}

/** The offset of `text` from `at` on: `Z`, or `±hh:mm` with hh < 24 and mm < 60, to the end. */
function isZone(text: string, at: number): boolean {
  const sign = text.charCodeAt(at);
  if (sign === 90 /* Z */) return at === text.length - 1;
  if ((sign !== 43 && sign !== 45) /* + - */ || at !== text.length - 6) return false;
  const hours = digitsAt(text, at + 1, 2);
  const minutes = digitsAt(text, at + 4, 2);
  return text.charCodeAt(at + 3) === 58 && hours >= 0 && hours < 24 && minutes >= 0 && minutes < 60;
}

/**
 * RFC 3339 with a zone — `YYYY-MM-DDTHH:MM:SS[.1–9 digits](Z|±hh:mm)` — and a real calendar
 * instant (Date.parse would roll 02-30 over to March). Every event is checked, twice over
 * (intake and archive): read character by character, with no Date, match or array built.
 */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 20) return false;
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
    return false;
  let zone = 19;
  if (value[zone] === '.') {
    do zone++;
    while (isDigit(value.charCodeAt(zone)));
    const fraction = zone - 20;
    if (fraction < 1 || fraction > 9) return false;
  }
  return isZone(value, zone);
}

/** A CloudEvents timestamp: RFC 3339 with a zone, and a real instant. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: isTimestamp,
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 timestamp with a zone, such as "2026-03-14T16:05:00Z", got ${JSON.stringify(args?.value)}`,
      },
    },
    options,
  );
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          DATE.test(value) &&
          new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
        defaultMessage: (args) => `${args?.property} must be a date such as "2026-03-14"`,
      },
    },
    options,
  );
}
