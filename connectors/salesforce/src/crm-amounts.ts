import { moneyText, type ErpAmount } from '@ctxb/connector-sdk';
import type { CrmAmountsProfile } from './salesforce-profile';

/** Decimal places kept of a CRM amount: the store's micro-units. */
const MONEY_SCALE = 6;

/**
 * The money one CRM record holds, as the profile names it: none when a condition does not
 * hold or the amount is empty. Salesforce answers currency fields as JSON numbers.
 */
export function crmAmounts(amounts: CrmAmountsProfile, row: Record<string, unknown>): ErpAmount[] {
  const meets = amounts.where.every((w) => w.values.some((v) => v === row[w.field]));
  const amount = meets ? moneyText(row[amounts.amount], MONEY_SCALE) : null;
  if (amount === null) return [];
  const currency = amounts.currency ? row[amounts.currency] : '';
  return [
    {
      document: String(row.Id),
      currency: typeof currency === 'string' ? currency : '',
      amount,
      rows: 1,
    },
  ];
}
