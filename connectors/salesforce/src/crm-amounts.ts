import { moneyText, type ErpAmount } from '@ctxb/connector-sdk';
import type { CrmAmountsProfile } from './salesforce-profile';

/** Decimal places kept of a CRM amount: the store's micro-units. */
const MONEY_SCALE = 6;

/**
 * The money one CRM record holds, as the profile names it. A record that does not meet a
 * condition (an Opportunity reopened) or has no amount holds nothing that counts: it reads as
 * 0 with no rows, which replaces what was read before. Salesforce answers currency fields as
 * JSON numbers.
 */
export function crmAmounts(amounts: CrmAmountsProfile, row: Record<string, unknown>): ErpAmount[] {
  const document = String(row.Id);
  const meets = amounts.where.every((w) => w.values.some((v) => v === row[w.field]));
  const amount = meets ? moneyText(row[amounts.amount], MONEY_SCALE) : null;
  if (amount === null) return [{ document, currency: '', amount: '0', rows: 0 }];
  const currency = amounts.currency ? row[amounts.currency] : '';
  return [{ document, currency: typeof currency === 'string' ? currency : '', amount, rows: 1 }];
}

/** The fields a CRM record's money is read from: the amount, the currency, the conditions'. */
export function crmAmountFields(amounts: CrmAmountsProfile): string[] {
  return [
    ...new Set([
      amounts.amount,
      ...(amounts.currency ? [amounts.currency] : []),
      ...amounts.where.map((w) => w.field),
    ]),
  ];
}
