import fc from 'fast-check';
import { deferred } from '../../../test/support/deferred';
import { KeptOffsets } from './kept-offsets';

const settle = () => new Promise((r) => setImmediate(r));

describe('KeptOffsets', () => {
  it('makes a position due only once its batch and every batch before it are kept', async () => {
    const kept = new KeptOffsets();
    const [a, b, c] = [deferred(), deferred(), deferred()];
    kept.add('t', 0, 10, a.promise, () => undefined);
    kept.add('t', 0, 20, b.promise, () => undefined);
    kept.add('t', 0, 30, c.promise, () => undefined);
    expect(kept.inFlight('t', 0)).toBe(3);
    c.resolve();
    b.resolve();
    await settle();
    expect(kept.take().positions).toEqual([]);
    a.resolve();
    await kept.settled('t', 0);
    expect(kept.take().positions).toEqual([{ topic: 't', partition: 0, offset: '30' }]);
    expect(kept.inFlight('t', 0)).toBe(0);
    expect(kept.take().positions).toEqual([]);
  });

  it('keeps partitions apart', async () => {
    const kept = new KeptOffsets();
    const slow = deferred();
    kept.add('t', 0, 5, slow.promise, () => undefined);
    kept.add('t', 1, 7, Promise.resolve(), () => undefined);
    kept.add('u', 0, 9, Promise.resolve(), () => undefined);
    await kept.settled('t', 1);
    await kept.settled('u', 0);
    expect(kept.take().positions).toEqual([
      { topic: 't', partition: 1, offset: '7' },
      { topic: 'u', partition: 0, offset: '9' },
    ]);
    slow.resolve();
    await kept.allSettled();
    expect(kept.take().positions).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
  });

  it('stops a partition at its first failure, reports it once, and starts afresh on a new assignment', async () => {
    const kept = new KeptOffsets();
    const failures: string[] = [];
    const failed = (e: unknown) => failures.push((e as Error).message);
    kept.add('t', 0, 10, Promise.resolve(), failed);
    kept.add('t', 0, 20, Promise.reject(new Error('insert refused')), failed);
    kept.add('t', 0, 30, Promise.resolve(), failed);
    await kept.allSettled();
    await settle();
    expect(failures).toEqual(['insert refused']);
    expect(kept.take().positions).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    // The consumer joins again, from its committed offsets.
    kept.reset();
    kept.add('t', 0, 20, Promise.resolve(), failed);
    await kept.allSettled();
    expect(kept.take().positions).toEqual([{ topic: 't', partition: 0, offset: '20' }]);
    expect(failures).toHaveLength(1);
  });

  it('lets nothing of an earlier assignment come due, or be put back', async () => {
    const kept = new KeptOffsets();
    const late = deferred();
    kept.add('t', 0, 10, Promise.resolve(), () => undefined);
    await kept.allSettled();
    const taken = kept.take();
    kept.add('t', 0, 20, late.promise, () => undefined);
    kept.reset();
    late.resolve();
    await settle();
    await settle();
    kept.putBack(taken);
    expect(kept.take().positions).toEqual([]);
  });

  it('puts back a position whose commit failed unless a newer one is due', async () => {
    const kept = new KeptOffsets();
    kept.add('t', 0, 10, Promise.resolve(), () => undefined);
    kept.add('t', 1, 4, Promise.resolve(), () => undefined);
    await kept.allSettled();
    const taken = kept.take();
    kept.add('t', 0, 20, Promise.resolve(), () => undefined);
    await kept.allSettled();
    kept.putBack(taken);
    expect(kept.take().positions).toEqual([
      { topic: 't', partition: 0, offset: '20' },
      { topic: 't', partition: 1, offset: '4' },
    ]);
  });

  it('never makes due a position with a batch before it not kept, whatever the order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.nat()),
        async (partitions, picks) => {
          const kept = new KeptOffsets();
          const batches = partitions.map((partition, i) => ({
            partition,
            position: i + 1,
            done: false,
            gate: deferred(),
          }));
          for (const b of batches)
            kept.add('t', b.partition, b.position, b.gate.promise, () => undefined);
          const waiting = [...batches];
          const pick = picks[Symbol.iterator]();
          const committed = new Map<number, number>();
          while (waiting.length > 0) {
            const [b] = waiting.splice(pick.next().value % waiting.length, 1);
            b.done = true;
            b.gate.resolve();
            await settle();
            for (const p of kept.take().positions) {
              const offset = Number(p.offset);
              // Every batch of the partition up to this position is kept, and commits only grow.
              expect(
                batches.every((x) => x.partition !== p.partition || x.position > offset || x.done),
              ).toBe(true);
              expect(offset).toBeGreaterThan(committed.get(p.partition) ?? 0);
              committed.set(p.partition, offset);
            }
          }
          await kept.allSettled();
          for (const p of kept.take().positions) committed.set(p.partition, Number(p.offset));
          // In the end each partition is due up to its last batch.
          for (const partition of new Set(partitions))
            expect(committed.get(partition)).toBe(
              Math.max(...batches.filter((b) => b.partition === partition).map((b) => b.position)),
            );
        },
      ),
      { numRuns: 200 },
    );
  });
});
