import type { ClickHouseClient } from '@clickhouse/client';
import {
  intentSignals,
  journeyUntilOrder,
  signalCloseRates,
  type ContextOptions,
  type IntentReport,
  type IntentSignal,
} from '@ctxb/context';
import { forEachDeviceJourney } from './device-journeys';

/**
 * High-intent (and friction) signals against close rate: every journey of the period,
 * converting or not (each device's archived behaviour up to its first order), marked with the
 * signals it showed (see INTENT_SIGNALS), then per signal how many of those journeys ordered,
 * against the journeys without it and all journeys.
 */
export async function intentSignalReport(
  client: ClickHouseClient,
  period: { from: Date; to: Date },
  options: ContextOptions,
): Promise<IntentReport> {
  // Journeys with the same signals and outcome are counted together.
  const groups = new Map<string, { signals: IntentSignal[]; converted: boolean; count: number }>();
  await forEachDeviceJourney(client, period, (events) => {
    const journey = journeyUntilOrder(events, options);
    if (!journey) return;
    const signals = intentSignals(journey.sessions);
    const key = `${journey.converted ? 1 : 0}|${signals.join(',')}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { signals, converted: journey.converted, count: 1 });
  });
  return signalCloseRates(groups.values());
}
