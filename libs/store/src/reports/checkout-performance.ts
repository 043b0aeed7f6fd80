import type { ClickHouseClient } from '@clickhouse/client';
import { divideMicros, fromMicros } from '@ctxb/context';
import { sql } from '../sql/sql';
import { selectRows } from '../clickhouse-client';
import { readingNewest } from './newest-contexts';

export interface CheckoutPerformanceQuery {
  /** Orders placed from (inclusive) … */
  from: Date;
  /** … to (exclusive), whole seconds. */
  to: Date;
  /** A checkout page slower than this is slow (default 5 s). */
  slowMs: number;
  /** One faster than this is fast (default 2 s). */
  fastMs: number;
}

/** Per currency: amounts are never added across currencies. */
export interface CheckoutPerformance {
  currency: string;
  orders: number;
  slow: { orders: number; revenue: string; averageOrderValue: string | null };
  fast: { orders: number; revenue: string; averageOrderValue: string | null };
  /** Average checkout-to-order time of the slow orders ÷ the customer base's baseline. */
  slowHesitationRatio: number | null;
  /**
   * The customer base's own checkout-to-order time: of the orders counted here that have one,
   * the middle one's (of an even count, the upper middle); null for none. What
   * `context.checkoutBaselineSeconds`, the baseline hesitation is measured against, is best
   * set from.
   */
  medianCheckoutToOrderMs: number | null;
  /**
   * (fast AOV − slow AOV) × slow orders per 30 days, when fast baskets are larger; else 0.
   * What the slow orders would have brought with fast-checkout baskets, per month.
   */
  estimatedMonthlyGain: string;
}

interface Row {
  currency: string;
  orders: string | number;
  slow_orders: string | number;
  slow_micros: string | number;
  slow_hesitation: number | null;
  to_order_count: string | number;
  to_order_median: string | number;
  fast_orders: string | number;
  fast_micros: string | number;
}

const DAY_MS = 86_400_000;

/**
 * Orders whose checkout page loaded slower than `slowMs`, against fast ones, in a period:
 * each context's newest version (replays and superseded versions never count), orders without
 * a measured checkout or an amount left out.
 */
export async function checkoutPerformance(
  client: ClickHouseClient,
  query: CheckoutPerformanceQuery,
): Promise<CheckoutPerformance[]> {
  const { slowMs, fastMs } = query;
  const rows = await readingNewest(client, (newest) =>
    selectRows<Row>(
      client,
      sql`SELECT currency,
        count() AS orders,
        countIf(load > ${slowMs}) AS slow_orders,
        sumIf(total, load > ${slowMs}) AS slow_micros,
        avgIf(hesitation, load > ${slowMs} AND has_hesitation) AS slow_hesitation,
        countIf(has_to_order) AS to_order_count,
        quantileExactIf(0.5)(to_order, has_to_order) AS to_order_median,
        countIf(load < ${fastMs}) AS fast_orders,
        sumIf(total, load < ${fastMs}) AS fast_micros
      FROM (
        SELECT assumeNotNull(load_n) AS load, assumeNotNull(total_n) AS total, currency,
          isNotNull(hesitation_n) AS has_hesitation, ifNull(hesitation_n, 0) AS hesitation,
          isNotNull(to_order_n) AS has_to_order, ifNull(to_order_n, 0) AS to_order
        FROM (${newest(
          sql`checkout_load_ms AS load_n, total_micros AS total_n, currency,
            hesitation_ratio AS hesitation_n, checkout_to_order_ms AS to_order_n`,
          query,
        )})
        WHERE isNotNull(load_n) AND isNotNull(total_n)
      )
      GROUP BY currency
      ORDER BY currency`,
    ),
  );
  const perMonth = (30 * DAY_MS) / (query.to.getTime() - query.from.getTime());
  return rows.map((row) => {
    const slowOrders = Number(row.slow_orders);
    const fastOrders = Number(row.fast_orders);
    const slowAov = average(BigInt(row.slow_micros), slowOrders);
    const fastAov = average(BigInt(row.fast_micros), fastOrders);
    const gap = slowAov !== null && fastAov !== null && fastAov > slowAov ? fastAov - slowAov : 0n;
    const monthlySlowOrders = slowOrders * perMonth;
    return {
      currency: row.currency,
      orders: Number(row.orders),
      slow: {
        orders: slowOrders,
        revenue: fromMicros(row.slow_micros),
        averageOrderValue: slowAov === null ? null : fromMicros(slowAov),
      },
      fast: {
        orders: fastOrders,
        revenue: fromMicros(row.fast_micros),
        averageOrderValue: fastAov === null ? null : fromMicros(fastAov),
      },
      slowHesitationRatio:
        row.slow_hesitation === null || Number.isNaN(Number(row.slow_hesitation))
          ? null
          : Number(row.slow_hesitation),
      medianCheckoutToOrderMs:
        Number(row.to_order_count) === 0 ? null : Number(row.to_order_median),
      estimatedMonthlyGain: fromMicros(roundedProduct(gap, monthlySlowOrders)),
    };
  });
}

/** Micro-units ÷ count, rounded half up to a whole micro-unit; null without orders. */
function average(micros: bigint, count: number): bigint | null {
  return count === 0 ? null : divideMicros(micros, count);
}

/** micros × a positive factor, rounded to a whole micro-unit (the factor has float precision). */
function roundedProduct(micros: bigint, factor: number): bigint {
  const scale = 1_000_000n;
  return (micros * BigInt(Math.round(factor * 1_000_000)) + scale / 2n) / scale;
}
