import fc from 'fast-check';
import type { ContextRecord } from './context-record';
import { newestVersions } from './context-record';

const record = (contextReferenceId: string, version: number) =>
  ({ contextReferenceId, version }) as ContextRecord;

describe('newestVersions', () => {
  it('keeps exactly the highest version of every context, whatever the order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 50 }))),
        (pairs) => {
          const records = pairs.map(([ref, version]) => record(ref, version));
          const newest = newestVersions(records);
          const expected = new Map<string, number>();
          for (const [ref, version] of pairs)
            expected.set(ref, Math.max(version, expected.get(ref) ?? 0));
          expect(new Map(newest.map((r) => [r.contextReferenceId, r.version]))).toEqual(expected);
          expect(newest).toHaveLength(expected.size);
          const reversed = newestVersions([...records].reverse());
          expect(new Set(reversed.map((r) => `${r.contextReferenceId}.${r.version}`))).toEqual(
            new Set(newest.map((r) => `${r.contextReferenceId}.${r.version}`)),
          );
        },
      ),
    );
  });

  it('returns the records themselves', () => {
    const v2 = record('ctx-1', 2);
    expect(newestVersions([record('ctx-1', 1), v2])[0]).toBe(v2);
  });
});
