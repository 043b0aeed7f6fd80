import { ValidateBy, type ValidationOptions } from 'class-validator';

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

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar (RFC 3339's). */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * RFC 3339 shape and a real calendar instant (Date.parse would roll 02-30 over to March).
 * Every event is checked, twice over (intake and archive): no Date objects here.
 */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const month = +m[2];
  const day = +m[3];
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(+m[1], month) &&
    +m[4] < 24 &&
    +m[5] < 60 &&
    +m[6] < 61 &&
    (m[9] === undefined || (+m[9] < 24 && +m[10] < 60))
  );
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
