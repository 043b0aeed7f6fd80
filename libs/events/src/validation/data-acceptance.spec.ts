import fc from 'fast-check';
import { getMetadataStorage, validateSync } from 'class-validator';
import { EVENT_CATALOGUE, EVENT_TYPES } from '../event-catalogue';
import { EXAMPLE_DATA } from '../event-examples';
import { dataAcceptance } from './data-acceptance';
import { dtoInstance } from './dto-instance';

type Plain = Record<string, unknown>;

/** The answer dataAcceptance stands in for. */
function classValidatorAccepts(dataClass: new () => object, data: object): boolean {
  return validateSync(dtoInstance(dataClass, data)).length === 0;
}

/** Numbers the rules mention (max lengths, minimums, maximums, sizes), to probe each edge. */
function ruleNumbers(): number[] {
  const numbers = new Set<number>();
  for (const entry of EVENT_CATALOGUE.values()) {
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(
      entry.data,
      '',
      true,
      false,
    )) {
      for (const c of rule.constraints ?? []) if (typeof c === 'number') numbers.add(c);
    }
  }
  return [...numbers];
}

const EDGES = ruleNumbers().flatMap((n) => [n - 1, n, n + 1]);
/** Edges short enough to build as strings and arrays (amount maxima run into the millions). */
const LENGTHS = EDGES.filter((n) => n >= 0 && n <= 10_001);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(...LENGTHS).map((n) => 'x'.repeat(n)),
  // Lengths validator.js counts below their UTF-16 length: a surrogate pair, a variation selector.
  fc
    .tuple(fc.constantFrom(...LENGTHS), fc.constantFrom('\u{1F600}', '\u2764\uFE0F', '\uFE0E'))
    .map(([n, wide]) => wide + 'x'.repeat(Math.max(0, n - 1))),
  fc.constantFrom(...EDGES),
  fc.constantFrom(...EDGES).map((n) => n + 0.5),
  fc.integer(),
  fc.double(),
  fc.constantFrom('19.99', '19.999999', '19.9999999', '-0.50', '01.5', '1e3', '', ' 1'),
  fc.constantFrom('EUR', 'eur', 'XXX', 'ZZZ', 'USD'),
  fc.constantFrom('2026-03-14', '2026-02-30', '2026-3-14', '2026-03-14T10:00:00Z'),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }),
  fc.array(
    fc.constantFrom(...LENGTHS).map((n) => 'y'.repeat(n)),
    { maxLength: 3 },
  ),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constantFrom(...LENGTHS).map((n) => Array.from({ length: n }, () => 'p')),
  fc.object({ maxDepth: 1 }),
);

/** Objects nested in an example (`utm`, `lines[0]`): the shapes @ValidateNested sees. */
function nestedExamples(example: Plain): Plain[] {
  const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null;
  return Object.values(example).flatMap((value) =>
    Array.isArray(value) ? value.filter(isPlain) : isPlain(value) ? [value] : [],
  );
}

/** An example with some fields replaced, removed or added; nested objects mutated too. */
function mutated(example: Plain, depth: number): fc.Arbitrary<Plain> {
  const inner = depth > 0 ? nestedExamples(example) : [];
  const value: fc.Arbitrary<unknown> =
    inner.length === 0
      ? scalar
      : fc.oneof(
          scalar,
          fc.constantFrom(...inner).chain((n) => mutated(n, depth - 1)),
          fc.array(
            fc.constantFrom(...inner).chain((n) => mutated(n, depth - 1)),
            { maxLength: 3 },
          ),
          fc.array(
            fc.oneof(
              scalar,
              fc.constantFrom(...inner).chain((n) => mutated(n, depth - 1)),
            ),
            { maxLength: 3 },
          ),
        );
  const keys = [...Object.keys(example), 'extra', 'constructor', '__proto__'];
  return fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 4 }).map((changes) => {
    const data: Plain = JSON.parse(JSON.stringify(example)) as Plain;
    for (const [key, v] of changes) {
      if (v === undefined) delete data[key];
      else
        Object.defineProperty(data, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return data;
  });
}

describe('dataAcceptance', () => {
  it.each(EVENT_TYPES.map((type) => [type]))(
    '%s: answers exactly as class-validator does (property)',
    (type) => {
      const dataClass = EVENT_CATALOGUE.get(type)!.data;
      const accepts = dataAcceptance(dataClass);
      fc.assert(
        fc.property(mutated(EXAMPLE_DATA[type], 2), (data) => {
          const expected = classValidatorAccepts(dataClass, data);
          const answer = accepts(data);
          expect(answer).toBe(expected);
        }),
        { numRuns: 400 },
      );
    },
  );

  it('accepts every catalogue example', () => {
    for (const type of EVENT_TYPES) {
      expect(dataAcceptance(EVENT_CATALOGUE.get(type)!.data)(EXAMPLE_DATA[type])).toBe(true);
    }
  });

  it('leaves a class without rules to class-validator, which rejects it as unknown', () => {
    class NoRules {}
    expect(dataAcceptance(NoRules)({})).toBe(false);
    expect(classValidatorAccepts(NoRules, {})).toBe(false);
  });
});
