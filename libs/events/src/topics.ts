/** The Kafka topics of the event catalogue. Each has a dead-letter twin: `<topic>.dlq`. */
export enum Topic {
  CustomerJourney = 'customer-journey',
  ProductCatalog = 'product-catalog',
  OrderLifecycle = 'order-lifecycle',
  PaymentEvents = 'payment-events',
  InventoryChanges = 'inventory-changes',
  FinancialEvents = 'financial-events',
}

export const TOPICS: readonly Topic[] = Object.values(Topic);

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Kafka headers of a dead-letter record, beside the original key and value bytes. */
export enum DeadLetterHeader {
  Reason = 'ctxb-dlq-reason',
  Stage = 'ctxb-dlq-stage',
  OriginalTopic = 'ctxb-dlq-original-topic',
  OriginalPartition = 'ctxb-dlq-original-partition',
  OriginalOffset = 'ctxb-dlq-original-offset',
  FailedAt = 'ctxb-dlq-failed-at',
  /** The consumer group that rejected the record (several may read one topic). */
  ConsumerGroup = 'ctxb-dlq-consumer-group',
}

/** Where a record failed: not JSON / not an event / the handler threw after retries. */
export enum DeadLetterStage {
  Parse = 'parse',
  Validate = 'validate',
  Handler = 'handler',
}
