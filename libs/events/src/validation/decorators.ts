import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isTimestamp } from '../timestamp';

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
