/** A partition's position to commit: the offset reading resumes from. */
export interface KeptPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** Positions taken to commit, under the assignment they were taken in. */
export interface TakenPositions {
  readonly generation: number;
  readonly positions: readonly KeptPosition[];
}

interface PartitionChain {
  /** Settles once every batch added so far is kept; rejects from the first that failed. */
  tail: Promise<void>;
  inFlight: number;
}

/**
 * Per partition, how far every batch is handled *and* kept by work that goes on beside the
 * consumer (an archive's coalesced insert), so the consumer reads on while offsets are
 * committed only up to what is kept. Batches are added in partition order; a position becomes
 * due once its batch and every batch before it in the partition are kept. After a failure
 * nothing later in that partition comes due until `reset`. A reassignment (the consumer
 * joining again, after a failure too) starts afresh: what is still in flight then belongs to
 * the group's previous generation.
 */
export class KeptOffsets {
  private chains = new Map<string, PartitionChain>();
  private due = new Map<string, KeptPosition>();
  private current = 0;

  /** The assignment batches are added under now (a batch begun under an earlier one is not added). */
  get generation(): number {
    return this.current;
  }

  /**
   * A batch of `topic`/`partition` handled, reading on from `position`; `kept` settles once
   * it is kept too. `failed` hears of a failure once per partition and generation.
   */
  add(
    topic: string,
    partition: number,
    position: number,
    kept: Promise<void>,
    failed: (error: unknown) => void,
  ): void {
    const name = `${topic}:${partition}`;
    const generation = this.current;
    const chain = this.chains.get(name) ?? { tail: Promise.resolve(), inFlight: 0 };
    const previous = chain.tail;
    chain.inFlight++;
    const tail = previous.then(async () => {
      try {
        await kept;
      } finally {
        chain.inFlight--;
      }
      if (generation === this.current && this.chains.get(name) === chain)
        this.due.set(name, { topic, partition, offset: String(position) });
    });
    chain.tail = tail;
    // Reported where it first happened; the batches after it reject with it too.
    previous.then(
      () =>
        tail.catch((error: unknown) => {
          if (generation === this.current && this.chains.get(name) === chain) failed(error);
        }),
      () => undefined,
    );
    kept.catch(() => undefined);
    this.chains.set(name, chain);
  }

  /** Batches of the partition added and not kept yet. */
  inFlight(topic: string, partition: number): number {
    return this.chains.get(`${topic}:${partition}`)?.inFlight ?? 0;
  }

  /** Settles once everything added for the partition so far is kept (or one of it failed). */
  settled(topic: string, partition: number): Promise<void> {
    const chain = this.chains.get(`${topic}:${partition}`);
    return chain ? chain.tail.catch(() => undefined) : Promise.resolve();
  }

  /** Everything added so far, settled (kept or failed). */
  async allSettled(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.tail.catch(() => undefined)));
  }

  /** The positions that came due since the last take: one per partition, the furthest. */
  take(): TakenPositions {
    const positions = [...this.due.values()];
    this.due.clear();
    return { generation: this.current, positions };
  }

  /**
   * Positions not committed after all (the commit failed): due again unless newer ones are,
   * or the assignment they were taken under is over.
   */
  putBack(taken: TakenPositions): void {
    if (taken.generation !== this.current) return;
    for (const p of taken.positions) {
      const name = `${p.topic}:${p.partition}`;
      if (this.chains.has(name) && !this.due.has(name)) this.due.set(name, p);
    }
  }

  /** A new assignment: nothing of the previous generation comes due any more. */
  reset(): void {
    this.current++;
    this.chains.clear();
    this.due.clear();
  }
}
