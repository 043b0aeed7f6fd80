import type { ClickHouseClient } from '@clickhouse/client';
import {
  ATTRIBUTION_MODELS,
  journeyPath,
  markovAttribution,
  type ContextOptions,
  type JourneyPath,
} from '@ctxb/context';
import { selectRows } from '../clickhouse-client';
import { sql } from '../sql/sql';
import { forEachDeviceJourney } from './device-journeys';
import { readingNewest, referencesPlaced, type NewestSummaries } from './newest-contexts';

export interface ChannelShare {
  channel: string;
  /** Share of the period's conversions credited to the channel (shares sum to 1). */
  share: number;
}

export interface AttributionModels {
  journeys: { converting: number; nonConverting: number };
  /** Markov chain: the probability that a journey ends in an order. */
  conversionProbability: number;
  /** `markov` (data-driven) first, then each rule-based model. */
  models: { model: string; channels: ChannelShare[] }[];
}

/**
 * Which channels matter, under every model side by side. The data-driven one is a Markov
 * chain's removal effects over the period's journeys, converting and not: each device's
 * archived behaviour inside the period (read in device order, a device at a time) made into
 * its path of session channels (see journeyPath), counted per distinct path, solved in closed
 * form, so the same data gives the same shares on every run. The rule-based shares are the
 * models' weights over the newest version of every order placed in the period.
 * A journey here is a device: a customer on two devices counts as two journeys.
 */
export async function attributionModels(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  options: ContextOptions,
): Promise<AttributionModels> {
  const paths = await journeyPaths(client, period, options);
  const markov = markovAttribution([...paths.values()]);
  const ruleBased = await readingNewest(client, (newest) =>
    ruleBasedShares(client, period, newest),
  );
  let converting = 0;
  let nonConverting = 0;
  for (const path of paths.values())
    if (path.converted) converting += path.count ?? 1;
    else nonConverting += path.count ?? 1;
  return {
    journeys: { converting, nonConverting },
    conversionProbability: round(markov.conversionProbability),
    models: [
      {
        model: 'markov',
        channels: markov.weights.map((w) => ({ channel: w.channel, share: round(w.weight) })),
      },
      ...ATTRIBUTION_MODELS.map((model) => ({ model, channels: ruleBased.get(model) ?? [] })),
    ],
  };
}

/** Distinct paths with their counts, from the raw events of the period, a device at a time. */
async function journeyPaths(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  options: ContextOptions,
): Promise<Map<string, JourneyPath>> {
  const paths = new Map<string, JourneyPath>();
  await forEachDeviceJourney(client, period, (events) => {
    const path = journeyPath(events, options);
    if (!path) return;
    const key = `${path.converted ? 1 : 0}|${path.channels.join('>')}`;
    const seen = paths.get(key);
    if (seen) seen.count = (seen.count ?? 1) + 1;
    else paths.set(key, { ...path, count: 1 });
  });
  return paths;
}

/** Per rule-based model, each channel's share of the weights of the period's orders. */
async function ruleBasedShares(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  newest: NewestSummaries,
): Promise<Map<string, ChannelShare[]>> {
  const rows = await selectRows<{ model: string; channel: string; weight: number }>(
    client,
    sql`SELECT model, channel, sum(weight) AS weight
      FROM (
        SELECT context_reference_id, version AS newest, model, channel, campaign, weight
        FROM context_attribution
        WHERE context_reference_id IN (${referencesPlaced(period)})
        LIMIT 1 BY context_reference_id, version, model, channel, campaign
      ) AS weight_rows
      ALL INNER JOIN (${newest(sql`context_reference_id, version AS newest`, period)}) AS order_rows
      USING (context_reference_id, newest)
      GROUP BY model, channel
      ORDER BY model, weight DESC, channel`,
  );
  const shares = new Map<string, ChannelShare[]>();
  for (const model of new Set(rows.map((r) => r.model))) {
    const of = rows.filter((r) => r.model === model);
    const total = of.reduce((n, r) => n + Number(r.weight), 0);
    shares.set(
      model,
      of.map((r) => ({ channel: r.channel, share: round(Number(r.weight) / total) })),
    );
  }
  return shares;
}

/** Nine decimals: stable output, far below any reporting precision. */
const round = (x: number) => Math.round(x * 1e9) / 1e9;
