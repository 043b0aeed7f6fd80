import { stateTable } from './engine.command';

describe('ctxb engine state table', () => {
  it('shows each partition, how it is saved, and the totals', () => {
    const table = stateTable(
      'context-journeys',
      [
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
      ],
      2,
    );
    expect(table.split('\n')).toEqual([
      'partition  offset  saved as   whole   changes',
      '0          1234    12 parts   3.0 MB  4 (2.0 KB)',
      '11         7       one piece  900 B   -',
      '2 partition(s) of context-journeys, 3.0 MB in Redis',
      '2 staging hash(es) of interrupted saves (they expire within an hour)',
    ]);
  });

  it('says when nothing is saved', () => {
    expect(stateTable('t', [], 0)).toBe('no engine state saved for t');
  });
});
