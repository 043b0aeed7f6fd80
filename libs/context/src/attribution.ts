import type { Channel } from '@ctxb/events';

export enum AttributionModel {
  FirstTouch = 'first-touch',
  LastTouch = 'last-touch',
  Linear = 'linear',
  TimeDecay = 'time-decay',
  PositionBased = 'position-based',
}

export const ATTRIBUTION_MODELS = Object.values(AttributionModel);

export interface AttributionTouch {
  at: number;
  channel: Channel;
  campaign?: string;
}

/** Credit of one channel/campaign pair under one model; weights of a model sum to 1. */
export interface AttributionWeight {
  channel: Channel;
  campaign: string | null;
  weight: number;
}

export type Attribution = Record<AttributionModel, AttributionWeight[]>;

/** Per-touch credit under each model, in touch order. */
export function touchWeights(
  count: number,
  model: AttributionModel,
  ages: number[],
  halfLifeMs: number,
): number[] {
  if (count === 0) return [];
  const weights = new Array<number>(count).fill(0);
  switch (model) {
    case AttributionModel.FirstTouch:
      weights[0] = 1;
      return weights;
    case AttributionModel.LastTouch:
      weights[count - 1] = 1;
      return weights;
    case AttributionModel.Linear:
      return weights.map(() => 1 / count);
    case AttributionModel.TimeDecay: {
      // 2^(-age/halfLife), relative to the newest touch so nothing underflows to zero.
      const newest = Math.min(...ages);
      const raw = ages.map((age) => Math.pow(2, -(age - newest) / halfLifeMs));
      const total = raw.reduce((a, b) => a + b, 0);
      return raw.map((r) => r / total);
    }
    case AttributionModel.PositionBased: {
      if (count === 1) return [1];
      if (count === 2) return [0.5, 0.5];
      const middle = 0.2 / (count - 2);
      return weights.map((_, i) => (i === 0 || i === count - 1 ? 0.4 : middle));
    }
  }
}

/**
 * Weights per channel and campaign under the five rule-based models. Touches are the
 * journey's sessions in time order; ages count back from the conversion.
 */
export function attribute(
  touches: readonly AttributionTouch[],
  convertedAt: number,
  halfLifeMs: number,
): Attribution {
  const ages = touches.map((t) => Math.max(0, convertedAt - t.at));
  const result = {} as Attribution;
  for (const model of ATTRIBUTION_MODELS) {
    const weights = touchWeights(touches.length, model, ages, halfLifeMs);
    const byKey = new Map<string, AttributionWeight>();
    touches.forEach((touch, i) => {
      const campaign = touch.campaign ?? null;
      const key = `${touch.channel}\u0000${campaign ?? ''}`;
      const entry = byKey.get(key) ?? { channel: touch.channel, campaign, weight: 0 };
      entry.weight += weights[i];
      byKey.set(key, entry);
    });
    result[model] = [...byKey.values()]
      .map((w) => ({ ...w, weight: round(w.weight) }))
      .filter((w) => w.weight > 0)
      .sort(
        (a, b) =>
          b.weight - a.weight ||
          a.channel.localeCompare(b.channel) ||
          (a.campaign ?? '').localeCompare(b.campaign ?? ''),
      );
  }
  return result;
}

/** 12 significant decimals: stable across platforms, far below any reporting precision. */
function round(weight: number): number {
  return Math.round(weight * 1e12) / 1e12;
}
