import fc from 'fast-check';
import { markovAttribution, type JourneyPath } from './markov-attribution';

describe('markovAttribution (removal effect, closed form)', () => {
  it('gives the textbook three-channel example', () => {
    // C1→C2→C3 converts, C1 alone and C2→C3 do not: P(conversion) = 1/3; removing C1 halves
    // it, removing C2 or C3 loses it all → effects 0.5, 1, 1 → weights 0.2, 0.4, 0.4.
    const result = markovAttribution([
      { channels: ['C1', 'C2', 'C3'], converted: true },
      { channels: ['C1'], converted: false },
      { channels: ['C2', 'C3'], converted: false },
    ]);
    expect(result.conversionProbability).toBeCloseTo(1 / 3, 12);
    expect(result.removalEffects.C1).toBeCloseTo(0.5, 12);
    expect(result.removalEffects.C2).toBeCloseTo(1, 12);
    expect(result.removalEffects.C3).toBeCloseTo(1, 12);
    expect(result.weights.map((w) => w.channel)).toEqual(['C1', 'C2', 'C3']);
    expect(result.weights.map((w) => w.weight)).toEqual([
      expect.closeTo(0.2, 12),
      expect.closeTo(0.4, 12),
      expect.closeTo(0.4, 12),
    ]);
  });

  it('credits nothing to a channel that never leads to an order', () => {
    const result = markovAttribution([
      { channels: ['email'], converted: true },
      { channels: ['display'], converted: false, count: 3 },
    ]);
    expect(result.conversionProbability).toBeCloseTo(0.25, 12);
    expect(result.removalEffects).toEqual({ display: 0, email: 1 });
    expect(result.weights).toEqual([
      { channel: 'display', weight: 0 },
      { channel: 'email', weight: 1 },
    ]);
  });

  it('handles loops and answers no conversions with no weights', () => {
    const looped = markovAttribution([
      { channels: ['a', 'a', 'b', 'a'], converted: true },
      { channels: ['b', 'b'], converted: false },
    ]);
    expect(looped.conversionProbability).toBeGreaterThan(0);
    expect(looped.conversionProbability).toBeLessThan(1);
    expect(markovAttribution([{ channels: ['a'], converted: false }]).weights).toEqual([]);
    expect(markovAttribution([]).conversionProbability).toBe(0);
  });

  it('never credits a channel below 0, whatever the rounding', () => {
    // A channel that changes nothing: its removal effect came out as -2.2e-16 before clamping.
    const result = markovAttribution([
      { channels: [], converted: false, count: 1 },
      { channels: [], converted: true, count: 4 },
      {
        channels: ['direct', 'social', 'paid-search', 'display', 'display'],
        converted: false,
        count: 5,
      },
      { channels: ['paid-search', 'direct'], converted: true, count: 1 },
    ]);
    expect(result.removalEffects.display).toBe(0);
    expect(result.weights.find((w) => w.channel === 'display')?.weight).toBe(0);
  });

  const paths: fc.Arbitrary<JourneyPath[]> = fc.array(
    fc.record({
      channels: fc.array(fc.constantFrom('paid-search', 'email', 'direct', 'social', 'display'), {
        maxLength: 6,
      }),
      converted: fc.boolean(),
      count: fc.integer({ min: 1, max: 5 }),
    }),
    { maxLength: 40 },
  );

  it('weights sum to 1, lie in [0, 1], and do not depend on the order of journeys (property)', () => {
    fc.assert(
      fc.property(paths, fc.func(fc.integer()), (input, key) => {
        const result = markovAttribution(input);
        const shuffled = [...input].sort((x, y) => key(x) - key(y));
        expect(JSON.stringify(markovAttribution(shuffled))).toBe(JSON.stringify(result));
        if (result.weights.length > 0) {
          expect(result.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
          for (const w of result.weights) {
            expect(w.weight).toBeGreaterThanOrEqual(0);
            expect(w.weight).toBeLessThanOrEqual(1 + 1e-12);
          }
        }
        expect(result.conversionProbability).toBeGreaterThanOrEqual(0);
        expect(result.conversionProbability).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('matches the share of converting journeys when every journey is one channel (property)', () => {
    fc.assert(
      fc.property(paths, (input) => {
        const single = input.map((p) => ({ ...p, channels: ['only'] }));
        const total = single.reduce((s, p) => s + (p.count ?? 1), 0);
        const converted = single.filter((p) => p.converted).reduce((s, p) => s + (p.count ?? 1), 0);
        expect(markovAttribution(single).conversionProbability).toBeCloseTo(
          total === 0 ? 0 : converted / total,
          12,
        );
      }),
    );
  });
});
