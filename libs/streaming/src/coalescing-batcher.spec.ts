import fc from 'fast-check';
import { CoalescingBatcher } from './coalescing-batcher';

/** A write that records its batches and finishes when the test says so. */
function recordingWrite() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve) => {
      batches.push(items);
      finish.push(resolve);
    });
  return { batches, finish, write };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescingBatcher', () => {
  it('writes calls that arrive during a write together, in order', async () => {
    const { batches, finish, write } = recordingWrite();
    const batcher = new CoalescingBatcher(write, { lingerMs: 0, maxItems: 100 });
    const first = batcher.add([1]);
    await tick();
    const rest = [batcher.add([2, 3]), batcher.add([4])];
    expect(batches).toEqual([[1]]);
    expect(batcher.waiting).toBe(3);
    finish[0]();
    await first;
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]();
    await Promise.all(rest);
    expect(batcher.waiting).toBe(0);
  });

  it('waits lingerMs for company, but goes at once when maxItems wait', async () => {
    const { batches, finish, write } = recordingWrite();
    const batcher = new CoalescingBatcher(write, { lingerMs: 10_000, maxItems: 3 });
    void batcher.add([1]);
    await tick();
    expect(batches).toEqual([]);
    void batcher.add([2, 3]);
    await tick();
    expect(batches).toEqual([[1, 2, 3]]);
    finish[0]();
    void batcher.add([4]);
    const flushed = batcher.flush();
    await tick();
    finish[1]?.();
    await flushed;
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('counts an item for what it holds when told: a batch of 5 events waits as 5', async () => {
    const { batches, finish, write } = recordingWrite();
    const batcher = new CoalescingBatcher(write, { lingerMs: 10_000, maxItems: 8 }, (n) => n);
    void batcher.add([5]);
    await tick();
    expect(batches).toEqual([]);
    expect(batcher.waiting).toBe(5);
    // 5 + 4 is over 8: the write goes, with the first call only.
    void batcher.add([4]);
    await tick();
    expect(batches).toEqual([[5]]);
    expect(batcher.waiting).toBe(4);
    finish[0]();
    const flushed = batcher.flush();
    await tick();
    finish[1]?.();
    await flushed;
    expect(batches).toEqual([[5], [4]]);
  });

  it('rejects exactly the calls of a failed write; later calls go on', async () => {
    let fail = true;
    const written: number[] = [];
    const batcher = new CoalescingBatcher<number>(
      async (items) => {
        if (fail) throw new Error('insert refused');
        written.push(...items);
      },
      { lingerMs: 0, maxItems: 10 },
    );
    await expect(batcher.add([1, 2])).rejects.toThrow('insert refused');
    fail = false;
    await batcher.add([3]);
    expect(written).toEqual([3]);
  });

  it('writes every item once, in order, never splitting a call (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat(), { maxLength: 5 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (calls, maxItems) => {
          const batches: number[][] = [];
          const batcher = new CoalescingBatcher<number>(
            async (items) => {
              batches.push(items);
              await tick();
            },
            { lingerMs: 1, maxItems },
          );
          await Promise.all(calls.map((c) => batcher.add(c)));
          expect(batches.flat()).toEqual(calls.flat());
          for (const batch of batches) {
            const whole = calls.filter((c) => c.length > 0);
            expect(
              batch.length > maxItems ? whole.some((c) => c.length === batch.length) : true,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
