const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A decimal money string ("19.99") as integer millionths ("19990000"), exactly: the store
 * keeps amounts as Int64 micro-units, because ClickHouse 18.16 cannot read a Decimal from
 * JSON and a float would lose cents. Null when there is no amount, when the text is not a
 * decimal with at most six places, or when it does not fit Int64 (over ~9.2 trillion); the
 * record itself keeps the exact text either way.
 */
export function toMicros(amount: string | null | undefined): string | null {
  if (amount === null || amount === undefined) return null;
  const m = DECIMAL.exec(amount);
  if (!m) return null;
  const [, sign, whole, fraction = ''] = m;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  if (micros > INT64_MAX) return null;
  return (sign === '-' && micros !== 0n ? -micros : micros).toString();
}

/** Micro-units ÷ a positive count, rounded half up to a whole micro-unit. */
export function divideMicros(micros: bigint, count: number): bigint {
  const n = BigInt(count);
  return (micros * 2n + n) / (2n * n);
}

/** The sum of two amounts in integer millionths. */
export function addMicros(a: string, b: string): string {
  return (BigInt(a) + BigInt(b)).toString();
}

/**
 * Integer millionths back to a decimal string without trailing zeros beyond `minDecimals`
 * ("19990000" → "19.99"; "19900000", 2 → "19.90").
 */
export function fromMicros(micros: string | number | bigint, minDecimals = 0): string {
  const value = BigInt(micros);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 1_000_000n;
  const digits = (abs % 1_000_000n).toString().padStart(6, '0');
  const fraction = digits.replace(/0+$/, '').padEnd(Math.min(6, minDecimals), '0');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A decimal amount rounded to `decimals` places (half away from zero), written with exactly
 * that many (for display: 24737.573833 → 24737.57). Null for a malformed amount.
 */
export function roundMoney(amount: string, decimals = 2): string | null {
  const micros = toMicros(amount);
  if (micros === null) return null;
  const value = BigInt(micros);
  const step = 10n ** BigInt(6 - decimals);
  const half = step / 2n;
  return fromMicros(((value < 0n ? value - half : value + half) / step) * step, decimals);
}
