import { stateTable, unsavedPartitions } from './engine.command';
import type { SavedPartitionSummary } from '@ctxb/engine-state';

describe('ctxb engine state table', () => {
  const saved: SavedPartitionSummary[] = [
    {
      partition: 0,
      offset: 1234,
      form: 'parts',
      wholeBytes: 3 * 1024 * 1024,
      parts: 12,
      changes: 4,
      changeBytes: 2048,
    },
    {
      partition: 11,
      offset: 7,
      form: 'one piece',
      wholeBytes: 900,
      parts: 1,
      changes: 0,
      changeBytes: 0,
    },
  ];

  it('shows each partition, how it is saved, and the totals', () => {
    expect(stateTable('context-journeys', saved, 2).split('\n')).toEqual([
      'partition  offset  saved as   whole   changes',
      '0          1234    12 parts   3.0 MB  4 (2.0 KB)',
      '11         7       one piece  900 B   -',
      '2 partition(s) of context-journeys saved, 3.0 MB in Redis',
      '2 staging hash(es) of interrupted saves (they expire within an hour)',
    ]);
  });

  it('with the partition count, shows the partitions with nothing saved in their place', () => {
    expect(unsavedPartitions(saved, 13)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
    const lines = stateTable('t', saved.slice(1), 0, 13).split('\n');
    expect(lines).toHaveLength(1 + 13 + 1);
    expect(lines[1]).toBe('0          -       nothing (replays from the start)');
    expect(lines[12]).toBe('11         7       one piece                         900 B  -');
    expect(lines[14]).toBe('1 of 13 partition(s) of t saved, 900 B in Redis');
    expect(stateTable('t', [], 0, 2).split('\n')[3]).toBe(
      '0 of 2 partition(s) of t saved, 0 B in Redis',
    );
  });

  it('says when nothing is saved', () => {
    expect(stateTable('t', [], 0)).toBe('no engine state saved for t');
  });
});
