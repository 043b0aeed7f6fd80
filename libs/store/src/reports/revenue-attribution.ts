import type { ClickHouseClient } from '@clickhouse/client';
import { fromMicros, type AttributionModel } from '@ctxb/context';
import { raw, sql, type SqlFragment } from '../sql/sql';
import { selectRows } from '../clickhouse-client';
import { newestReadings } from '../deliveries/erp-amount.store';
import { placedWithin } from './newest-contexts';

export interface RevenueAttributionQuery {
  /** Orders placed from (inclusive) … */
  from: Date;
  /** … to (exclusive), whole seconds. */
  to: Date;
  model: AttributionModel;
  by: 'channel' | 'campaign';
  limit: number;
  offset: number;
}

/** Gross as reported, net of returns, refunds and orders never paid (see AmountsRow). */
export interface GrossAndNet {
  gross: string;
  net: string;
}

/** The order's money as each module reports it. */
export interface ModuleAmounts {
  /** The shop's order totals. */
  ordered: GrossAndNet;
  /** AR: invoiced. */
  invoiced: GrossAndNet;
  /** GL: posted to revenue accounts (usually net of tax). */
  postedRevenue: GrossAndNet;
  /**
   * What the CRM holds (an Opportunity's amount, read back after each upsert) for the orders
   * it reported, in their currency, and how many orders that is (weighted like `orders`);
   * null when the CRM reported none of them.
   */
  crm: { amount: string; orders: number } | null;
  /** Where the modules disagree: AR − shop, GL − AR. */
  differences: { invoicedMinusOrdered: GrossAndNet; postedMinusInvoiced: GrossAndNet };
}

export interface RevenueAttributionRow extends ModuleAmounts {
  currency: string;
  /** The channel, or the campaign (null: touches without a campaign). */
  key: string | null;
  /** Orders credited to it: the sum of its weights under the model. */
  orders: number;
}

export interface RevenueAttribution {
  rows: RevenueAttributionRow[];
  /** Per currency, the period's orders and amounts unattributed: what the rows add up to. */
  totals: (ModuleAmounts & { currency: string; orders: number })[];
  page: { limit: number; offset: number; hasMore: boolean };
}

const AMOUNTS = [
  'ordered_gross',
  'ordered_net',
  'ar_gross',
  'ar_net',
  'gl_gross',
  'gl_net',
] as const;
type AmountColumns = Record<(typeof AMOUNTS)[number], string | number> & {
  /** What the CRM holds, micro-units, and the orders it reported. */
  crm_total: string | number;
  crm_orders: string | number;
};

/** Each context's newest version placed in the period, with its amounts (micro-units). */
export function newestAmounts(query: Pick<RevenueAttributionQuery, 'from' | 'to'>): SqlFragment {
  return sql`SELECT context_reference_id, max(version) AS newest,
      argMax(currency, version) AS currency,
      ${raw(AMOUNTS.map((a) => `argMax(${a}_micros, version) AS ${a}`).join(', '))}
    FROM context_amounts
    WHERE ${placedWithin(query)}
    GROUP BY context_reference_id`;
}

/**
 * Each context's newest amounts (see newestAmounts) with what the CRM holds for it: what the
 * newest read of each CRM record found (see newestReadings), summed over the context's
 * records in the order's currency (a reading in another currency counts against nothing) as
 * `crm_micros`, and `crm_reported` 1; a context without a reading gets the join's defaults,
 * 0 and 0.
 */
function newestWithCrm(query: Pick<RevenueAttributionQuery, 'from' | 'to'>): SqlFragment {
  return sql`SELECT * FROM (${newestAmounts(query)}) AS context_rows
    ALL LEFT JOIN (
      SELECT context_reference_id, sum(reading) AS crm_micros, 1 AS crm_reported
      FROM (
        SELECT context_reference_id, currency AS crm_currency, amount_micros AS reading
        FROM (${newestReadings(
          sql`target = 'crm' AND context_reference_id IN (${referencesWithAmounts(query)})`,
        )})
      ) AS reading_rows
      ALL INNER JOIN (
        SELECT context_reference_id, argMax(currency, version) AS order_currency
        FROM context_amounts WHERE ${placedWithin(query)}
        GROUP BY context_reference_id
      ) AS currency_rows USING (context_reference_id)
      WHERE crm_currency = '' OR crm_currency = order_currency
      GROUP BY context_reference_id
    ) AS crm_rows USING (context_reference_id)`;
}

/**
 * The references of the contexts with amounts placed in the period, to narrow other tables
 * with IN. Reports that join amounts start from this table alone: a context is there only
 * once its detail rows are (see ContextRecordStore.write).
 */
export function referencesWithAmounts(
  query: Pick<RevenueAttributionQuery, 'from' | 'to'>,
): SqlFragment {
  return sql`SELECT context_reference_id FROM context_amounts WHERE ${placedWithin(query)}`;
}

/**
 * Revenue by channel or campaign under one attribution model, across the modules: each
 * context's newest version in the period, its amounts split by the model's weights (weights
 * sum to 1 per order, so the rows of a currency add up to its totals, up to rounding to the
 * micro-unit). Sorted by net ordered revenue, largest first; paginated.
 */
export async function revenueAttribution(
  client: ClickHouseClient,
  query: RevenueAttributionQuery,
): Promise<RevenueAttribution> {
  const key = raw(query.by === 'channel' ? 'channel' : 'campaign');
  const weighted = raw(
    AMOUNTS.map((a) => `toInt64(round(sum(weight * toFloat64(${a})))) AS ${a}`).join(', '),
  );
  const rows = await selectRows<AmountColumns & { currency: string; key: string; orders: number }>(
    client,
    sql`SELECT currency, key, sum(weight) AS orders, ${weighted},
        toInt64(round(sum(weight * toFloat64(crm_micros)))) AS crm_total,
        sum(weight * crm_reported) AS crm_orders
      FROM (
        SELECT context_reference_id, version AS newest, ${key} AS key, weight
        FROM context_attribution
        WHERE model = ${query.model}
          AND context_reference_id IN (${referencesWithAmounts(query)})
        -- a replay's repeated rows count once
        LIMIT 1 BY context_reference_id, version, channel, campaign
      ) AS weight_rows
      ALL INNER JOIN (${newestWithCrm(query)}) AS context_rows USING (context_reference_id, newest)
      GROUP BY currency, key
      ORDER BY currency, ordered_net DESC, key
      LIMIT ${query.offset}, ${query.limit + 1}`,
  );
  const totals = await selectRows<AmountColumns & { currency: string; orders: string }>(
    client,
    sql`SELECT currency, count() AS orders,
        ${raw(AMOUNTS.map((a) => `sum(${a}) AS ${a}`).join(', '))},
        sum(crm_micros) AS crm_total, sum(crm_reported) AS crm_orders
      FROM (${newestWithCrm(query)})
      GROUP BY currency ORDER BY currency`,
  );
  return {
    rows: rows.slice(0, query.limit).map((r) => ({
      currency: r.currency,
      key: query.by === 'campaign' && r.key === '' ? null : r.key,
      orders: Math.round(Number(r.orders) * 100) / 100,
      ...modules(r),
    })),
    totals: totals.map((t) => ({ currency: t.currency, orders: Number(t.orders), ...modules(t) })),
    page: { limit: query.limit, offset: query.offset, hasMore: rows.length > query.limit },
  };
}

function modules(row: AmountColumns): ModuleAmounts {
  const m = (column: keyof AmountColumns) => BigInt(row[column]);
  const pair = (gross: bigint, net: bigint): GrossAndNet => ({
    gross: fromMicros(gross, 2),
    net: fromMicros(net, 2),
  });
  const ordered = [m('ordered_gross'), m('ordered_net')] as const;
  const invoiced = [m('ar_gross'), m('ar_net')] as const;
  const posted = [m('gl_gross'), m('gl_net')] as const;
  return {
    ordered: pair(...ordered),
    invoiced: pair(...invoiced),
    postedRevenue: pair(...posted),
    crm:
      Number(row.crm_orders) > 0
        ? {
            amount: fromMicros(m('crm_total'), 2),
            orders: Math.round(Number(row.crm_orders) * 100) / 100,
          }
        : null,
    differences: {
      invoicedMinusOrdered: pair(invoiced[0] - ordered[0], invoiced[1] - ordered[1]),
      postedMinusInvoiced: pair(posted[0] - invoiced[0], posted[1] - invoiced[1]),
    },
  };
}
