interface Pending<T> {
  items: readonly T[];
  /** What the items count for (see ItemCount). */
  size: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface CoalescingOptions {
  /** How long the first waiting call waits for others before its batch goes. */
  lingerMs: number;
  /** A batch goes at once when this many items wait; calls are never split. */
  maxItems: number;
}

/** How many items one queued item counts for (say, the events of an encoded batch); 1 by default. */
export type ItemCount<T> = (item: T) => number;

/**
 * Coalesces many small writes into few large ones: calls that arrive while a write is in
 * flight, or within `lingerMs` of the first waiting call, go out together. Each caller's
 * promise settles when the write holding its items is done or has failed. One write is in
 * flight at a time, so items are written in the order they were added.
 */
export class CoalescingBatcher<T> {
  private queue: Pending<T>[] = [];
  private queued = 0;
  private writing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: CoalescingOptions,
    private readonly count: ItemCount<T> = () => 1,
  ) {}

  /** Items waiting for a write (for backpressure: callers may wait while this is high). */
  get waiting(): number {
    return this.queued;
  }

  add(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const size = this.sizeOf(items);
      this.queue.push({ items, size, resolve, reject });
      this.queued += size;
      this.schedule();
    });
  }

  /** Writes whatever waits now and resolves when nothing is in flight. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 || this.writing) {
      if (!this.writing) void this.writeNext();
      await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.writing) return;
    if (this.queued >= this.options.maxItems || this.options.lingerMs === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.writeNext();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.writeNext();
      }, this.options.lingerMs);
    }
  }

  private async writeNext(): Promise<void> {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const batch = this.take();
    try {
      await this.write(batch.flatMap((p) => p.items));
      for (const pending of batch) pending.resolve();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.writing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private sizeOf(items: readonly T[]): number {
    let size = 0;
    for (const item of items) size += this.count(item);
    return size;
  }

  /** Whole calls up to `maxItems` (at least one, however large). */
  private take(): Pending<T>[] {
    const batch: Pending<T>[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || count + this.queue[0].size <= this.options.maxItems)
    ) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.size;
    }
    this.queued -= count;
    return batch;
  }
}
