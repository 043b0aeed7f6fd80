import type { CloudEvent } from './cloud-event';
import {
  CartItemAdded,
  CartItemRemoved,
  CheckoutError,
  CheckoutFieldInteracted,
  CheckoutStarted,
  DiscountApplied,
  ElementClicked,
  IdentityIdentified,
  PageEngaged,
  PageViewed,
  ProductCompared,
  ProductViewed,
  ReviewRead,
  SearchPerformed,
} from './catalogue/customer-journey.events';
import { InventoryAdjusted, ProductUpdated } from './catalogue/catalog-and-inventory.events';
import { InvoiceIssued, JournalPosted, MarketingSpendRecorded } from './catalogue/financial.events';
import {
  FulfillmentDelivered,
  FulfillmentReturned,
  FulfillmentShipped,
  OrderCancelled,
  OrderPlaced,
} from './catalogue/order-lifecycle.events';
import { PaymentEvent } from './catalogue/payment.events';
import { Topic } from './topics';

/**
 * The event catalogue: every accepted `type`, the class its `data` must satisfy, its topic,
 * and its Kafka message key — chosen so that everything of one journey (customer-journey)
 * or one order (orders, payments, invoices) lands on one partition, in order.
 *
 * Versioning: a type name without suffix is version 1 (`page.viewed`); a later, incompatible
 * shape is registered as `<name>.v<N>` (`page.viewed.v2`) and lives beside v1 on the same
 * topic, so producers migrate one at a time. `dataschema` may carry a URI but is informational.
 */

export type DataClass = new () => object;
type EventKey = (event: CloudEvent) => string;

export interface CatalogueEntry {
  type: string;
  topic: Topic;
  data: DataClass;
  key: EventKey;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** One journey: the anonymous device id, else the customer, else the session, else the event itself. */
const journeyKey: EventKey = (e) =>
  str(e.anonymousid) ?? str(e.customerid) ?? str(e.sessionid) ?? `${e.source}|${e.id}`;
const field =
  (name: string): EventKey =>
  (e) =>
    str(e.data[name]) ?? str(e.correlationid) ?? `${e.source}|${e.id}`;

const journey = (type: string, data: DataClass): CatalogueEntry => ({
  type,
  topic: Topic.CustomerJourney,
  data,
  key: journeyKey,
});

const ENTRIES: CatalogueEntry[] = [
  journey('page.viewed', PageViewed),
  journey('page.engaged', PageEngaged),
  journey('element.clicked', ElementClicked),
  journey('search.performed', SearchPerformed),
  journey('product.viewed', ProductViewed),
  journey('product.compared', ProductCompared),
  journey('review.read', ReviewRead),
  journey('cart.item.added', CartItemAdded),
  journey('cart.item.removed', CartItemRemoved),
  journey('checkout.started', CheckoutStarted),
  journey('checkout.field.interacted', CheckoutFieldInteracted),
  journey('checkout.error', CheckoutError),
  journey('discount.applied', DiscountApplied),
  {
    type: 'identity.identified',
    topic: Topic.CustomerJourney,
    data: IdentityIdentified,
    key: (e) => str(e.data.anonymousId) ?? journeyKey(e),
  },
  { type: 'order.placed', topic: Topic.OrderLifecycle, data: OrderPlaced, key: field('orderId') },
  {
    type: 'order.cancelled',
    topic: Topic.OrderLifecycle,
    data: OrderCancelled,
    key: field('orderId'),
  },
  {
    type: 'fulfillment.shipped',
    topic: Topic.OrderLifecycle,
    data: FulfillmentShipped,
    key: field('orderId'),
  },
  {
    type: 'fulfillment.delivered',
    topic: Topic.OrderLifecycle,
    data: FulfillmentDelivered,
    key: field('orderId'),
  },
  {
    type: 'fulfillment.returned',
    topic: Topic.OrderLifecycle,
    data: FulfillmentReturned,
    key: field('orderId'),
  },
  {
    type: 'payment.attempted',
    topic: Topic.PaymentEvents,
    data: PaymentEvent,
    key: field('orderId'),
  },
  {
    type: 'payment.succeeded',
    topic: Topic.PaymentEvents,
    data: PaymentEvent,
    key: field('orderId'),
  },
  { type: 'payment.failed', topic: Topic.PaymentEvents, data: PaymentEvent, key: field('orderId') },
  {
    type: 'payment.refunded',
    topic: Topic.PaymentEvents,
    data: PaymentEvent,
    key: field('orderId'),
  },
  {
    type: 'product.updated',
    topic: Topic.ProductCatalog,
    data: ProductUpdated,
    key: field('productId'),
  },
  {
    type: 'inventory.adjusted',
    topic: Topic.InventoryChanges,
    data: InventoryAdjusted,
    key: field('sku'),
  },
  {
    type: 'invoice.issued',
    topic: Topic.FinancialEvents,
    data: InvoiceIssued,
    key: field('orderId'),
  },
  {
    type: 'journal.posted',
    topic: Topic.FinancialEvents,
    data: JournalPosted,
    key: (e) => str(e.correlationid) ?? str(e.data.journalId) ?? `${e.source}|${e.id}`,
  },
  {
    type: 'marketing.spend.recorded',
    topic: Topic.FinancialEvents,
    data: MarketingSpendRecorded,
    key: (e) => `spend|${str(e.data.channel) ?? ''}|${str(e.data.campaign) ?? ''}`,
  },
];

export const EVENT_CATALOGUE: ReadonlyMap<string, CatalogueEntry> = new Map(
  ENTRIES.map((e) => [e.type, e]),
);

export const EVENT_TYPES: readonly string[] = ENTRIES.map((e) => e.type);

/** `page.viewed.v2` → `{ name: 'page.viewed', version: 2 }`; no suffix is version 1. */
export function parseEventType(type: string): { name: string; version: number } {
  const match = /^(.*)\.v(\d+)$/.exec(type);
  return match ? { name: match[1], version: Number(match[2]) } : { name: type, version: 1 };
}
