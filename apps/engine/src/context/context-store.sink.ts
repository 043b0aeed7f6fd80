import type { ContextRecord } from '@ctxb/context';
import type { LinkJobProducer } from '@ctxb/delivery';
import type { ContextRecordStore, LakeChanges } from '@ctxb/store';
import { CoalescingBatcher, type CoalescingOptions } from '@ctxb/streaming';
import type { ContextSink } from './context-processor';

/**
 * New versions go to the store first (their hours noted for the lake), then become link jobs
 * (a job never points at nothing).
 * Versions from every partition are coalesced: one insert per table and one job batch for
 * all that arrived within `lingerMs` (or `maxItems` versions), each write settling when its
 * own versions are out.
 */
export class ContextStoreSink implements ContextSink {
  private readonly batcher: CoalescingBatcher<ContextRecord>;

  constructor(
    store: ContextRecordStore,
    links: LinkJobProducer,
    lake: LakeChanges,
    options: CoalescingOptions,
  ) {
    this.batcher = new CoalescingBatcher(async (records) => {
      await store.write(records);
      lake.add(
        'context_records',
        records.map((r) => Date.parse(r.asOf)),
      );
      await links.enqueue(records);
    }, options);
  }

  write(records: readonly ContextRecord[]): Promise<void> {
    return this.batcher.add(records);
  }
}
