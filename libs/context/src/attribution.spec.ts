import fc from 'fast-check';
import { Channel } from '@ctxb/events';
import { attribute, ATTRIBUTION_MODELS, AttributionModel, touchWeights } from './attribution';

const DAY = 86_400_000;
const channels = Object.values(Channel);

describe('attribution', () => {
  it('weights sum to 1 under every model, for any journey', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 60 * DAY }),
            channel: fc.constantFrom(...channels),
            campaign: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 30 * DAY }),
        (touches, halfLife) => {
          const sorted = [...touches].sort((a, b) => a.at - b.at);
          const result = attribute(sorted, 60 * DAY, halfLife);
          for (const model of ATTRIBUTION_MODELS) {
            const total = result[model].reduce((sum, w) => sum + w.weight, 0);
            expect(Math.abs(total - 1)).toBeLessThan(1e-9);
            expect(result[model].every((w) => w.weight > 0)).toBe(true);
          }
        },
      ),
    );
  });

  it('gives nothing to attribute for a journey without touches', () => {
    const result = attribute([], 0, DAY);
    for (const model of ATTRIBUTION_MODELS) expect(result[model]).toEqual([]);
  });

  it.each([
    [AttributionModel.FirstTouch, [1, 0, 0, 0]],
    [AttributionModel.LastTouch, [0, 0, 0, 1]],
    [AttributionModel.Linear, [0.25, 0.25, 0.25, 0.25]],
    [AttributionModel.PositionBased, [0.4, 0.1, 0.1, 0.4]],
  ])('%s splits four touches as %j', (model, expected) => {
    touchWeights(4, model, [3, 2, 1, 0], DAY).forEach((w, i) =>
      expect(w).toBeCloseTo(expected[i], 12),
    );
  });

  it('position-based gives 50/50 to two touches and all to one', () => {
    expect(touchWeights(2, AttributionModel.PositionBased, [1, 0], DAY)).toEqual([0.5, 0.5]);
    expect(touchWeights(1, AttributionModel.PositionBased, [0], DAY)).toEqual([1]);
  });

  it('time-decay halves the credit per half-life of age', () => {
    const [old, recent] = touchWeights(2, AttributionModel.TimeDecay, [7 * DAY, 0], 7 * DAY);
    expect(recent / old).toBeCloseTo(2, 12);
    const [a, b, c] = touchWeights(3, AttributionModel.TimeDecay, [2 * DAY, DAY, 0], DAY);
    [1, 2, 4].forEach((share, i) => expect([a, b, c][i] * 7).toBeCloseTo(share, 12));
  });

  it('sums the credit of repeated channel/campaign pairs', () => {
    const result = attribute(
      [
        { at: 0, channel: Channel.Email, campaign: 'n' },
        { at: 1, channel: Channel.Direct },
        { at: 2, channel: Channel.Email, campaign: 'n' },
      ],
      3,
      DAY,
    );
    const linear = result[AttributionModel.Linear];
    expect(linear.map((w) => [w.channel, w.campaign])).toEqual([
      [Channel.Email, 'n'],
      [Channel.Direct, null],
    ]);
    expect(linear[0].weight).toBeCloseTo(2 / 3, 12);
    expect(linear[1].weight).toBeCloseTo(1 / 3, 12);
  });
});
