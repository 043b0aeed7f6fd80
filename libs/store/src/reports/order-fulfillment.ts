import type { ClickHouseClient } from '@clickhouse/client';
import { fromMicros } from '@ctxb/context';
import { fromClickHouseDateTime } from '../context-rows';
import { sql } from '../sql/sql';
import { selectRows } from '../clickhouse-client';
import { readingNewest, referencesPlaced, type NewestSummaries } from './newest-contexts';

export interface DurationStats {
  orders: number;
  averageMs: number | null;
  medianMs: number | null;
}

/** Orders of one currency and value tier: time spent per state and time to delivery. */
export interface FulfillmentTier {
  currency: string;
  /** `low`, `mid`, `high`: the period's orders of the currency split in thirds by value. */
  tier: 'low' | 'mid' | 'high';
  /** Order totals in this tier: from (inclusive) … to (inclusive). */
  orderValue: { from: string; to: string };
  orders: number;
  /** Per state entered, how long orders stayed in it before the next (left-out: still in it). */
  states: ({ state: string } & DurationStats)[];
  /** From placed to delivered, for the orders delivered so far. */
  fulfillment: DurationStats;
}

const TIERS = ['low', 'mid', 'high'] as const;

/**
 * Operations by customer value: the orders placed in the period (newest versions), in thirds
 * by order value per currency, with the time they spent in each state and from placed to
 * delivered.
 */
export async function orderFulfillment(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
): Promise<FulfillmentTier[]> {
  return readingNewest(client, (newest) => fulfillmentTiers(client, period, newest));
}

async function fulfillmentTiers(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  newest: NewestSummaries,
): Promise<FulfillmentTier[]> {
  const orders = sql`SELECT * FROM (${newest(
    sql`context_reference_id, version AS newest, currency, total_micros AS total`,
    period,
  )}) WHERE isNotNull(total)`;
  // Tier bounds per currency: the totals at a third and two thirds.
  const bounds = new Map(
    (
      await selectRows<{ currency: string; q: (string | number)[] }>(
        client,
        sql`SELECT currency, quantilesExact(0.3333333, 0.6666667)(total) AS q
          FROM (${orders}) GROUP BY currency`,
      )
    ).map((b) => [b.currency, b.q.map((q) => BigInt(q))]),
  );
  if (bounds.size === 0) return [];
  const tierOf = (currency: string, total: bigint): (typeof TIERS)[number] => {
    const [third, twoThirds] = bounds.get(currency)!;
    return total <= third ? 'low' : total <= twoThirds ? 'mid' : 'high';
  };
  const rows = await selectRows<{
    context_reference_id: string;
    currency: string;
    total: string;
    states: string[];
    /** Per state, ms spent in it; -1 while the order is still in it. */
    spent: (number | string)[];
    placed: string;
    delivered: string;
    was_delivered: string | number;
  }>(
    client,
    sql`SELECT context_reference_id, currency, toString(total) AS total,
        groupArray(state) AS states, groupArray(ifNull(time_spent_ms, -1)) AS spent,
        toString(minIf(entered_at, state = 'placed')) AS placed,
        toString(minIf(entered_at, state = 'delivered')) AS delivered,
        countIf(state = 'placed') AS was_placed, countIf(state = 'delivered') AS was_delivered
      FROM (
        SELECT context_reference_id, version AS newest, position, state, entered_at, time_spent_ms
        FROM order_state_history
        WHERE context_reference_id IN (${referencesPlaced(period)})
        LIMIT 1 BY context_reference_id, version, position
      ) AS history_rows
      ALL INNER JOIN (${orders}) AS order_rows USING (context_reference_id, newest)
      GROUP BY context_reference_id, currency, total
      HAVING was_placed > 0`,
  );
  interface Group {
    totals: bigint[];
    spent: Map<string, number[]>;
    fulfillment: number[];
  }
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const total = BigInt(row.total);
    const key = `${row.currency}|${tierOf(row.currency, total)}`;
    const group: Group = groups.get(key) ?? {
      totals: [],
      spent: new Map<string, number[]>(),
      fulfillment: [],
    };
    groups.set(key, group);
    group.totals.push(total);
    row.states.forEach((state, i) => {
      const ms = Number(row.spent[i]);
      if (ms < 0) return;
      group.spent.set(state, [...(group.spent.get(state) ?? []), ms]);
    });
    if (Number(row.was_delivered) > 0)
      group.fulfillment.push(
        fromClickHouseDateTime(row.delivered) - fromClickHouseDateTime(row.placed),
      );
  }
  const tiers: FulfillmentTier[] = [];
  for (const currency of [...bounds.keys()].sort())
    for (const tier of TIERS) {
      const group = groups.get(`${currency}|${tier}`);
      if (!group) continue;
      const sorted = [...group.totals].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      tiers.push({
        currency,
        tier,
        orderValue: {
          from: fromMicros(sorted[0], 2),
          to: fromMicros(sorted[sorted.length - 1], 2),
        },
        orders: group.totals.length,
        states: [...group.spent].map(([state, times]) => ({ state, ...stats(times) })),
        fulfillment: stats(group.fulfillment),
      });
    }
  return tiers;
}

function stats(times: number[]): DurationStats {
  if (times.length === 0) return { orders: 0, averageMs: null, medianMs: null };
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return {
    orders: sorted.length,
    averageMs: Math.round(sorted.reduce((n, t) => n + t, 0) / sorted.length),
    medianMs:
      sorted.length % 2 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2),
  };
}
