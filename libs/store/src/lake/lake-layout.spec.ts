import fc from 'fast-check';
import { hourPartition, hourStart, lakeFile, LAKE_DATASETS, parseLakeFile } from './lake-layout';

describe('lake layout', () => {
  it('puts an instant in its UTC hour, Hive-style', () => {
    const at = Date.parse('2026-03-14T16:59:59.999Z');
    expect(hourPartition(at)).toBe('dt=2026-03-14/hour=16');
    expect(lakeFile('events', at)).toBe('events/dt=2026-03-14/hour=16/part-00000.parquet');
    expect(hourPartition(Date.parse('2026-03-14T00:00:00Z'))).toBe('dt=2026-03-14/hour=00');
  });

  it('reads back the dataset and hour of every file it names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LAKE_DATASETS),
        fc.integer({ min: 0, max: Date.parse('2100-01-01T00:00:00Z') }),
        (dataset, at) => {
          expect(parseLakeFile(lakeFile(dataset, at))).toEqual({ dataset, hour: hourStart(at) });
        },
      ),
    );
  });

  it.each([
    'events/dt=2026-03-14/hour=24/part-00000.parquet',
    'events/dt=2026-02-30/hour=01/part-00000.parquet',
    'orders/dt=2026-03-14/hour=16/part-00000.parquet',
    'events/dt=2026-03-14/hour=16/part-00000.parquet.tmp',
    '../events/dt=2026-03-14/hour=16/part-00000.parquet',
  ])('ignores %s', (path) => {
    expect(parseLakeFile(path)).toBeUndefined();
  });
});
