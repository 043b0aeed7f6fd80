import type { ClickHouseClient } from '@clickhouse/client';
import {
  addMicros,
  divideMicros,
  fromMicros,
  toMicros,
  type AttributionModel,
} from '@ctxb/context';
import { sql } from '../sql/sql';
import { selectRows } from '../clickhouse-client';
import { readingNewest, referencesPlaced, type NewestSummaries } from './newest-contexts';
import { revenueAttribution } from './revenue-attribution';

export interface ChannelPerformanceQuery {
  from: Date;
  to: Date;
  /** The model that splits revenue over channels and campaigns. */
  model: AttributionModel;
}

/** One channel for marketing: what it brought, what it cost, where in journeys it acts. */
export interface ChannelRow {
  channel: string;
  /** Orders credited under the model (sum of weights). */
  orders: number;
  /** Net ordered revenue credited under the model. */
  revenue: string;
  /** Marketing spend recorded for the channel in the period. */
  spend: string;
  /** Customers whose first order ever was placed in the period with this first touch. */
  newCustomers: number;
  /** True customer acquisition cost: spend ÷ new customers (null without new customers). */
  cac: string | null;
  /** (revenue − spend) ÷ spend (null without spend). */
  roi: number | null;
  /** Shares of the period's conversions where the channel was the first touch, an assist, the last touch. */
  touches: { first: number; assisted: number; last: number };
}

export interface CampaignRow {
  campaign: string;
  revenue: string;
  spend: string;
  roi: number | null;
}

export interface ChannelPerformance {
  currency: string;
  channels: ChannelRow[];
  campaigns: CampaignRow[];
}

export interface ChannelReport {
  /** Conversions (orders with at least one touchpoint) and their average touchpoints. */
  conversions: number;
  averageTouchpointsPerConversion: number | null;
  currencies: ChannelPerformance[];
}

/** Spend of one currency per channel and per campaign (micro-units). */
interface CurrencySpend {
  channels: Map<string, string>;
  campaigns: Map<string, string>;
}
type Spend = Map<string, CurrencySpend>;

const noSpend = (): CurrencySpend => ({
  channels: new Map<string, string>(),
  campaigns: new Map<string, string>(),
});

/**
 * The marketing view of a period: per currency and channel, revenue under a model, spend from
 * `marketing.spend.recorded` events (by their `date`), new customers by first touch and the
 * true CAC, ROI, and first / assisted / last-touch shares; per campaign, revenue, spend and
 * ROI. Orders count in their newest version; new customers are customers whose first order
 * ever falls in the period.
 */
export async function channelPerformance(
  client: ClickHouseClient,
  query: ChannelPerformanceQuery,
): Promise<ChannelReport> {
  const [byChannel, byCampaign, spend, newCustomers, touches] = await Promise.all([
    revenueAttribution(client, { ...query, by: 'channel', limit: 10_000, offset: 0 }),
    revenueAttribution(client, { ...query, by: 'campaign', limit: 10_000, offset: 0 }),
    marketingSpend(client, query),
    readingNewest(client, (newest) => newCustomersByChannel(client, query, newest)),
    readingNewest(client, (newest) => touchShares(client, query, newest)),
  ]);
  const currencies = [
    ...new Set([...byChannel.totals.map((t) => t.currency), ...spend.keys()]),
  ].sort();
  return {
    conversions: touches.conversions,
    averageTouchpointsPerConversion: touches.averageTouchpoints,
    currencies: currencies.map((currency) => {
      const spent = spend.get(currency) ?? noSpend();
      const revenue = new Map(
        byChannel.rows.filter((r) => r.currency === currency).map((r) => [r.key ?? '', r]),
      );
      const channels = [...new Set([...revenue.keys(), ...spent.channels.keys()])].sort();
      const campaignRevenue = new Map(
        byCampaign.rows
          .filter((r) => r.currency === currency && r.key !== null)
          .map((r) => [r.key!, r.ordered.net]),
      );
      const campaigns = [...new Set([...campaignRevenue.keys(), ...spent.campaigns.keys()])].sort();
      return {
        currency,
        channels: channels.map((channel) => {
          const row = revenue.get(channel);
          const net = row?.ordered.net ?? '0.00';
          const cost = spent.channels.get(channel) ?? '0';
          const customers = newCustomers.get(channel) ?? 0;
          return {
            channel,
            orders: row?.orders ?? 0,
            revenue: net,
            spend: fromMicros(cost, 2),
            newCustomers: customers,
            cac: customers > 0 ? fromMicros(divideMicros(BigInt(cost), customers), 2) : null,
            roi: roi(net, cost),
            touches: touches.shares.get(channel) ?? { first: 0, assisted: 0, last: 0 },
          };
        }),
        campaigns: campaigns.map((campaign) => {
          const net = campaignRevenue.get(campaign) ?? '0.00';
          const cost = spent.campaigns.get(campaign) ?? '0';
          return { campaign, revenue: net, spend: fromMicros(cost, 2), roi: roi(net, cost) };
        }),
      };
    }),
  };
}

/** Spend events of the period (by their `date`), summed exactly per currency, channel, campaign. */
async function marketingSpend(
  client: ClickHouseClient,
  query: { from: Date; to: Date },
): Promise<Spend> {
  // An event's time is close to its date; a day's margin each side, then the date decides.
  const margin = 86_400_000;
  const rows = await selectRows<{ event: string }>(
    client,
    sql`SELECT event FROM events
      WHERE type = 'marketing.spend.recorded'
        AND time >= ${new Date(Math.max(0, query.from.getTime() - margin))}
        AND time < ${new Date(query.to.getTime() + margin)}
      LIMIT 1 BY source, id`,
  );
  const from = query.from.toISOString().slice(0, 10);
  const to = query.to.toISOString().slice(0, 10);
  const spend: Spend = new Map();
  for (const { event } of rows) {
    const data = (JSON.parse(event) as { data: Record<string, string | undefined> }).data;
    const micros = toMicros(data.amount);
    if (!data.date || data.date < from || data.date >= to || micros === null) continue;
    const of = spend.get(data.currency ?? '') ?? noSpend();
    spend.set(data.currency ?? '', of);
    const add = (map: Map<string, string>, key: string) =>
      map.set(key, addMicros(map.get(key) ?? '0', micros));
    add(of.channels, data.channel ?? '');
    if (data.campaign) add(of.campaigns, data.campaign);
  }
  return spend;
}

/** First orders ever placed in the period, by the first touch of that order's newest version. */
async function newCustomersByChannel(
  client: ClickHouseClient,
  query: { from: Date; to: Date },
  newest: NewestSummaries,
): Promise<Map<string, number>> {
  const rows = await selectRows<{ channel: string; customers: string }>(
    client,
    sql`SELECT channel, count() AS customers FROM (
        SELECT customer, argMin(first_channel, placed) AS channel, min(placed) AS first_order
        FROM (${newest(
          sql`customer_id AS customer, placed_at AS placed, first_touch_channel AS first_channel`,
          { to: query.to },
        )})
        WHERE customer != ''
        GROUP BY customer
      )
      WHERE first_order >= ${query.from}
      GROUP BY channel`,
  );
  return new Map(rows.map((r) => [r.channel, Number(r.customers)]));
}

/** Per channel, the shares of conversions it opened, assisted and closed; touchpoints per conversion. */
async function touchShares(
  client: ClickHouseClient,
  query: { from: Date; to: Date },
  newest: NewestSummaries,
): Promise<{
  conversions: number;
  averageTouchpoints: number | null;
  shares: Map<string, ChannelRow['touches']>;
}> {
  const newestOrders = newest(
    sql`context_reference_id, version AS newest, touchpoints AS touches`,
    query,
  );
  const [summary] = await selectRows<{ conversions: string; average: number | null }>(
    client,
    sql`SELECT countIf(touches > 0) AS conversions, avgIf(touches, touches > 0) AS average FROM (${newestOrders})`,
  );
  const rows = await selectRows<{ channel: string; first: string; assisted: string; last: string }>(
    client,
    sql`SELECT channel,
        uniqExactIf(context_reference_id, position = 0) AS first,
        uniqExactIf(context_reference_id, position > 0 AND position + 1 < touches) AS assisted,
        uniqExactIf(context_reference_id, position + 1 = touches) AS last
      FROM (
        SELECT context_reference_id, version AS newest, position, channel FROM context_touchpoints
        WHERE context_reference_id IN (${referencesPlaced(query)})
      ) AS touch_rows
      ALL INNER JOIN (${newestOrders}) AS order_rows USING (context_reference_id, newest)
      GROUP BY channel`,
  );
  const conversions = Number(summary?.conversions ?? 0);
  const share = (n: string) => (conversions === 0 ? 0 : round(Number(n) / conversions));
  return {
    conversions,
    averageTouchpoints:
      conversions === 0 || summary.average === null ? null : round(Number(summary.average)),
    shares: new Map(
      rows.map((r) => [
        r.channel,
        { first: share(r.first), assisted: share(r.assisted), last: share(r.last) },
      ]),
    ),
  };
}

function roi(revenue: string, spendMicros: string): number | null {
  const spend = BigInt(spendMicros);
  if (spend === 0n) return null;
  const gain = BigInt(toMicros(revenue) ?? '0') - spend;
  return round(Number(gain) / Number(spend));
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
