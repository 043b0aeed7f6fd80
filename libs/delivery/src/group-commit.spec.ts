import fc from 'fast-check';
import { deferred, type Deferred } from '../../../test/support/deferred';
import { GroupCommit } from './group-commit';

/**
 * A GroupCommit whose every write waits for its gate to open, answering `ok <n>` for request n:
 * `batches` as they were written, `gates` in the same order.
 */
function gatedCommit(options: { parallel: number; maxBatch: number }) {
  const batches: number[][] = [];
  const gates: Deferred<void>[] = [];
  const commit = new GroupCommit<number, string>(async (batch) => {
    batches.push(batch);
    const gate = deferred<void>();
    gates.push(gate);
    await gate.promise;
    return batch.map((n) => `ok ${n}`);
  }, options);
  return { commit, batches, gates };
}

describe('GroupCommit', () => {
  it('writes a lone request at once and gathers the ones that wait behind it', async () => {
    const { commit, batches, gates } = gatedCommit({ parallel: 1, maxBatch: 10 });
    const first = commit.submit(1);
    await Promise.resolve();
    await Promise.resolve();
    const rest = [2, 3, 4].map((n) => commit.submit(n));
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    gates[0].resolve();
    expect(await first).toBe('ok 1');
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates[1].resolve();
    expect(await Promise.all(rest)).toEqual(['ok 2', 'ok 3', 'ok 4']);
  });

  it('starts another write beside a running one only with a full share of the batch', async () => {
    const { commit, batches, gates } = gatedCommit({ parallel: 2, maxBatch: 6 });
    const settle = () => new Promise((r) => setImmediate(r));
    const answers = [commit.submit(1)];
    await settle();
    answers.push(commit.submit(2), commit.submit(3));
    await settle();
    // Two waiting, a share is three: they wait for the running write.
    expect(batches).toEqual([[1]]);
    answers.push(commit.submit(4));
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    answers.push(commit.submit(5));
    await settle();
    gates[0].resolve();
    await settle();
    // One write still running: the lone request waits for it, or for a share beside it.
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates[1].resolve();
    await settle();
    // None running: what waits goes out at once, however little.
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    gates[2].resolve();
    expect(await Promise.all(answers)).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
  });

  it('fails every request of a batch whose write throws, and goes on with the next', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(
      async (batch) => {
        calls += 1;
        if (calls === 1) throw new Error('connection lost');
        return batch;
      },
      { parallel: 1, maxBatch: 10 },
    );
    const failed = [commit.submit(1), commit.submit(2)];
    await expect(Promise.all(failed)).rejects.toThrow('connection lost');
    await expect(failed[1]).rejects.toThrow('connection lost');
    expect(await commit.submit(3)).toBe(3);
  });

  it('answers every request with its own answer, in any arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        async (pauses, parallel, maxBatch) => {
          let live = 0;
          let most = 0;
          const commit = new GroupCommit<number, number>(
            async (batch) => {
              live += 1;
              most = Math.max(most, live);
              if (batch.length > maxBatch) throw new Error('batch too large');
              await new Promise((r) => setImmediate(r));
              live -= 1;
              return batch.map((n) => n * 2);
            },
            { parallel, maxBatch },
          );
          const answers: Promise<number>[] = [];
          for (const [i, pause] of pauses.entries()) {
            answers.push(commit.submit(i));
            for (let p = 0; p < pause; p += 1) await Promise.resolve();
          }
          expect(await Promise.all(answers)).toEqual(pauses.map((_, i) => i * 2));
          expect(most).toBeLessThanOrEqual(parallel);
        },
      ),
    );
  });
});
