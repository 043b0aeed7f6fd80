/** One journey as the channels of its touchpoints in order, and whether it ended in an order. */
export interface JourneyPath {
  channels: readonly string[];
  converted: boolean;
  /** How many journeys took exactly this path (default 1). */
  count?: number;
}

export interface MarkovAttribution {
  /** Probability that a journey from the start ends in an order. */
  conversionProbability: number;
  /** Per channel: the share of conversions lost when the channel is taken out. */
  removalEffects: Record<string, number>;
  /** Removal effects normalised to sum to 1, by channel name. */
  weights: { channel: string; weight: number }[];
}

const START = '\u0000start';
const CONVERSION = '\u0000conversion';
const NULL = '\u0000null';

/**
 * Data-driven attribution with a first-order Markov chain over converting and non-converting
 * journeys and each channel's removal effect, in closed form: the probability of reaching
 * the conversion state is the solution of a linear system (absorbing chain), solved exactly
 * once with the channel and once without each channel. Pure and deterministic: states are
 * ordered by name and the input's order never matters, so the same paths give the same
 * weights on every run.
 */
export function markovAttribution(paths: readonly JourneyPath[]): MarkovAttribution {
  const counts = new Map<string, Map<string, number>>();
  const add = (from: string, to: string, n: number) => {
    const row = counts.get(from) ?? new Map<string, number>();
    row.set(to, (row.get(to) ?? 0) + n);
    counts.set(from, row);
  };
  for (const path of paths) {
    const n = path.count ?? 1;
    if (n <= 0) continue;
    let from = START;
    for (const channel of path.channels) {
      add(from, channel, n);
      from = channel;
    }
    add(from, path.converted ? CONVERSION : NULL, n);
  }
  const channels = [...new Set(paths.flatMap((p) => p.channels))].sort();
  const conversionProbability = unit(conversionFromStart(counts, channels, undefined));
  const removalEffects: Record<string, number> = {};
  for (const channel of channels) {
    // Removing a channel never raises the chance to convert: an effect lies in [0, 1], but the
    // solver's rounding can put one a hair outside (−2e-16 for a channel that never matters).
    removalEffects[channel] =
      conversionProbability === 0
        ? 0
        : unit(1 - conversionFromStart(counts, channels, channel) / conversionProbability);
  }
  const total = channels.reduce((sum, c) => sum + removalEffects[c], 0);
  return {
    conversionProbability,
    removalEffects,
    weights:
      total === 0 ? [] : channels.map((c) => ({ channel: c, weight: removalEffects[c] / total })),
  };
}

/** A probability computed in floating point, kept within [0, 1]. */
function unit(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/**
 * P(conversion | start) with `removed` (if any) turned into a dead end: x_s = Σ_t P(s,t)·x_t,
 * x_conversion = 1, x_null = x_removed = 0, solved by Gaussian elimination with partial
 * pivoting over the transient states in a fixed order.
 */
function conversionFromStart(
  counts: ReadonlyMap<string, ReadonlyMap<string, number>>,
  channels: readonly string[],
  removed: string | undefined,
): number {
  const states = [START, ...channels.filter((c) => c !== removed)];
  const index = new Map(states.map((s, i) => [s, i]));
  const size = states.length;
  // (I − Q) x = b, where b_s is the probability of stepping straight into the conversion.
  const a = states.map(() => new Array<number>(size + 1).fill(0));
  states.forEach((state, i) => {
    a[i][i] = 1;
    const row = counts.get(state);
    if (!row) return;
    let total = 0;
    for (const n of row.values()) total += n;
    for (const [to, n] of [...row].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      const p = n / total;
      if (to === CONVERSION) a[i][size] += p;
      else {
        const j = index.get(to);
        if (j !== undefined) a[i][j] -= p;
      }
    }
  });
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++)
      if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const lead = a[col][col];
    if (lead === 0) continue;
    for (let r = 0; r < size; r++) {
      if (r === col || a[r][col] === 0) continue;
      const factor = a[r][col] / lead;
      for (let k = col; k <= size; k++) a[r][k] -= factor * a[col][k];
    }
  }
  const lead = a[0][0];
  return lead === 0 ? 0 : Math.min(1, Math.max(0, a[0][size] / lead));
}
