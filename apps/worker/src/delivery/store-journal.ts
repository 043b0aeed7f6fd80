import type { DeliveryAttempt, DeliveryJournal } from '@ctxb/delivery';
import {
  type ContextRecordStore,
  type DeliveryLogStore,
  type LinkedDocumentKind,
} from '@ctxb/store';
import { CoalescingBatcher } from '@ctxb/streaming';

/** The kind of document link a target's records are, for the drill-down from the ERP side. */
const LINKED_KIND: Record<string, LinkedDocumentKind> = {
  om: 'erp-order',
  ar: 'erp-invoice',
  gl: 'erp-journal',
  crm: 'crm',
};

/**
 * Journals attempts into the store: every attempt into the delivery log, and the ERP records
 * a job wrote (or found already current) into the context's document links. Attempts of
 * concurrent jobs go in together; a job completes only once its attempt is stored.
 */
export class StoreJournal implements DeliveryJournal {
  private readonly batcher: CoalescingBatcher<DeliveryAttempt>;

  constructor(log: DeliveryLogStore, contexts: ContextRecordStore, lingerMs: number) {
    this.batcher = new CoalescingBatcher(
      async (attempts) => {
        await contexts.linkDocuments(
          attempts
            .filter((a) => a.status === 'written' || a.status === 'current')
            .flatMap((a) =>
              a.recordIds.map((id) => ({
                kind: LINKED_KIND[a.target],
                id,
                contextReferenceId: a.contextReferenceId,
                system: a.connector,
                linkedAt: a.at,
              })),
            ),
        );
        await log.write(attempts);
      },
      { lingerMs, maxItems: 5000 },
    );
  }

  record(attempt: DeliveryAttempt): Promise<void> {
    return this.batcher.add([attempt]);
  }
}
