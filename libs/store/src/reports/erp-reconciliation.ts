import type { ClickHouseClient } from '@clickhouse/client';
import { fromMicros } from '@ctxb/context';
import { selectRows } from '../clickhouse-client';
import { sql, type SqlFragment } from '../sql/sql';
import { newestReadings } from '../deliveries/erp-amount.store';
import { newestAmounts, referencesWithAmounts } from './revenue-attribution';

export interface ErpReconciliationQuery {
  /** Orders placed from (inclusive) … */
  from: Date;
  /** … to (exclusive). */
  to: Date;
  /** How many of the largest differences to list. */
  differences: number;
}

/** One connector module's figures against the context's, in one currency. */
export interface ErpReconciliationRow {
  connector: string;
  /**
   * om: order totals against the shop's; ar: invoiced; gl: posted revenue (credit less debit);
   * crm: the CRM record's amount (an Opportunity's) against the shop's order total.
   */
  target: string;
  currency: string;
  /** Contexts with an ERP reading. */
  contexts: number;
  /** Of those, how many disagree with the ERP. */
  differing: number;
  context: string;
  erp: string;
  /** ERP − context. */
  difference: string;
}

export interface ErpDifference {
  contextReferenceId: string;
  connector: string;
  target: string;
  currency: string;
  context: string;
  erp: string;
  difference: string;
}

export interface ErpReconciliation {
  rows: ErpReconciliationRow[];
  /** The contexts whose ERP figures differ most from theirs, largest first. */
  differences: ErpDifference[];
}

/**
 * What each ERP module holds for the period's orders, next to what the context took from the
 * events: per context, what the newest read of each document the worker linked found (summed
 * per currency; see newestReadings), against the newest version's order total (om, and crm),
 * invoiced amount (ar) or revenue credited less debited (gl). An ERP that names no currency
 * is taken to use the order's; an amount in another currency than the order's counts against
 * nothing.
 */
export async function erpReconciliation(
  client: ClickHouseClient,
  query: ErpReconciliationQuery,
): Promise<ErpReconciliation> {
  const compared = comparedAmounts(query);
  const rows = await selectRows<{
    connector: string;
    target: string;
    currency: string;
    contexts: string;
    differing: string;
    context_total: string;
    erp_total: string;
  }>(
    client,
    // Aliases differ from the columns they sum: 18.16 would read them inside the aggregates.
    sql`SELECT connector, target, compared_currency AS currency, count() AS contexts,
        countIf(context_micros != erp_micros) AS differing,
        sum(context_micros) AS context_total, sum(erp_micros) AS erp_total
      FROM (${compared})
      GROUP BY connector, target, compared_currency
      ORDER BY connector, target, compared_currency`,
  );
  const differences = await selectRows<{
    context_reference_id: string;
    connector: string;
    target: string;
    currency: string;
    context_micros: string;
    erp_micros: string;
  }>(
    client,
    sql`SELECT context_reference_id, connector, target, compared_currency AS currency,
        context_micros, erp_micros
      FROM (${compared})
      WHERE context_micros != erp_micros
      ORDER BY abs(erp_micros - context_micros) DESC, context_reference_id, connector, target
      LIMIT ${query.differences}`,
  );
  const money = (micros: string | bigint) => fromMicros(micros, 2);
  return {
    rows: rows.map((r) => ({
      connector: r.connector,
      target: r.target,
      currency: r.currency,
      contexts: Number(r.contexts),
      differing: Number(r.differing),
      context: money(r.context_total),
      erp: money(r.erp_total),
      difference: money(BigInt(r.erp_total) - BigInt(r.context_total)),
    })),
    differences: differences.map((d) => ({
      contextReferenceId: d.context_reference_id,
      connector: d.connector,
      target: d.target,
      currency: d.currency,
      context: money(d.context_micros),
      erp: money(d.erp_micros),
      difference: money(BigInt(d.erp_micros) - BigInt(d.context_micros)),
    })),
  };
}

/** Per context, connector, module and currency: the context's figure and the ERP's. */
function comparedAmounts(query: Pick<ErpReconciliationQuery, 'from' | 'to'>): SqlFragment {
  return sql`SELECT context_reference_id, connector, target,
      if(erp_currency = '', currency, erp_currency) AS compared_currency,
      if(erp_currency = '' OR erp_currency = currency,
        multiIf(target IN ('om', 'crm'), ordered_gross, target = 'ar', ar_gross, gl_net), 0)
        AS context_micros,
      erp_micros
    FROM (
      SELECT context_reference_id, connector, target, erp_currency, sum(amount) AS erp_micros
      FROM (
        SELECT context_reference_id, connector, target, currency AS erp_currency,
          amount_micros AS amount
        FROM (${newestReadings(
          sql`target IN ('om', 'ar', 'gl', 'crm')
            AND context_reference_id IN (${referencesWithAmounts(query)})`,
        )})
      )
      GROUP BY context_reference_id, connector, target, erp_currency
    ) AS erp_rows
    ALL INNER JOIN (${newestAmounts(query)}) AS context_rows USING (context_reference_id)`;
}
