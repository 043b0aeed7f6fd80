import type { ContextRecord } from '@ctxb/context';
import type { LinkJobProducer } from '@ctxb/delivery';
import type { ContextRecordStore } from '@ctxb/store';
import type { ContextSink } from './context-processor';

/** New versions go to the store first, then one link job per target: a job never points at nothing. */
export class ContextStoreSink implements ContextSink {
  constructor(
    private readonly store: ContextRecordStore,
    private readonly links: LinkJobProducer,
  ) {}

  async write(records: readonly ContextRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.store.write(records);
    await this.links.enqueue(records);
  }
}
