import { LakeChanges } from './lake-changes';

describe('LakeChanges', () => {
  it('keeps each changed hour once per dataset until taken, and again when given back', () => {
    const changes = new LakeChanges();
    const at = Date.parse('2026-03-14T16:05:00.250Z');
    changes.add('events', [at, at + 60_000, Date.parse('2026-03-14T17:00:00Z'), Number.NaN]);
    changes.add('context_records', [at]);
    expect(changes.size).toBe(3);
    const taken = changes.take();
    expect([...taken.get('events')!]).toEqual([
      Date.parse('2026-03-14T16:00:00Z'),
      Date.parse('2026-03-14T17:00:00Z'),
    ]);
    expect(changes.size).toBe(0);
    changes.giveBack(taken);
    expect(changes.size).toBe(3);
  });
});
