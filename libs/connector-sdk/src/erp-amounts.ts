import { decimalText } from './field-mapping';

/**
 * What an ERP module holds about an order's money, read back by the same key the link was
 * written by: an order's total (OM), an invoice's amount (AR), a journal's posted revenue
 * (GL, credits less debits on the accounts the profile names). Reports set these beside the
 * amounts the context took from the events.
 */
export interface ErpAmount {
  /** The ERP document it was read from: order id, invoice number or journal id. */
  document: string;
  /** ISO currency code as the ERP holds it; empty when the profile names no currency column. */
  currency: string;
  /** Exact decimal text ("249.9"). */
  amount: string;
  /** How many ERP rows it sums (journal lines, say). */
  rows: number;
}

/** Six decimal places: the store's micro-units. */
const MAX_SCALE = 6;

/**
 * A money value as an ODBC driver hands it over, as exact decimal text. Drivers return
 * NUMERIC and DECIMAL as JS numbers: those are written with the column's scale (from the
 * result's column description; six places at most), which gives the database's value back
 * exactly while it has at most 15 significant digits (up to about 10 trillion with cents).
 * Text is rounded to six places; bigint is taken as it is. Null for SQL NULL, and for
 * anything that is not a finite decimal.
 */
export function moneyText(value: unknown, scale = 2): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = value.toFixed(Math.max(0, Math.min(MAX_SCALE, scale)));
  } else if (typeof value === 'string') text = value;
  else return null;
  try {
    return withoutTrailingZeros(decimalText(text, MAX_SCALE));
  } catch {
    return null;
  }
}

function withoutTrailingZeros(text: string): string {
  return text.replace(/\.?0+$/, '');
}
