import {
  classifyVisit,
  EVENT_CATALOGUE,
  parseEventType,
  Topic,
  type CloudEvent,
  type Touch,
} from '@ctxb/events';
import type { ContextOptions } from './context-options';

/**
 * What the engine keeps of one event: the few fields the context needs, in a flat shape, so
 * state stays small and every computation is a pure function of a set of facts. Events are
 * validated before they become facts; `toFact` trusts the catalogue's shapes.
 */
export interface Fact {
  /** (source, id): the deduplication key. */
  key: string;
  /** Event time, ms since the epoch. */
  at: number;
  /** The type without its version suffix, e.g. `page.viewed`. */
  type: string;
  /** True for browser/app behaviour (the customer-journey topic). */
  web: boolean;
  /** Anonymous device id, when it is a real id (placeholders are dropped). */
  device?: string;
  /** Customer id, when it is a real id. */
  customer?: string;
  /** Orders this fact is about (one for most, several for a journal). */
  orders?: string[];
  path?: string;
  /** page.viewed: where the visit came from, when it is a new touch (not internal/direct). */
  touch?: Touch;
  loadMs?: number;
  activeMs?: number;
  product?: string;
  products?: string[];
  /** A business id: review id, payment id, invoice number, journal id, tracking number, return. */
  ref?: string;
  cart?: string;
  field?: string;
  dwellMs?: number;
  corrections?: number;
  code?: string;
  label?: string;
  amount?: string;
  currency?: string;
  /** identity.identified / order.placed: the anonymous id and customer it links. */
  link?: { device: string; customer: string };
}

export function isPlaceholderId(id: unknown, options: ContextOptions): boolean {
  if (typeof id !== 'string') return true;
  const normalized = id.trim().toLowerCase();
  return options.placeholderIds.some((p) => p.toLowerCase() === normalized);
}

const realId = (id: unknown, options: ContextOptions): string | undefined =>
  isPlaceholderId(id, options) ? undefined : (id as string);

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The fact of a validated event, or undefined for a type the context does not use. */
export function toFact(event: CloudEvent, options: ContextOptions): Fact | undefined {
  const type = parseEventType(event.type).name;
  const entry = EVENT_CATALOGUE.get(event.type);
  if (!entry) return undefined;
  const d = event.data as Data;
  const fact: Fact = {
    key: `${event.source}\u0000${event.id}`,
    at: Date.parse(event.time),
    type,
    web: entry.topic === Topic.CustomerJourney,
  };
  const device = realId(event.anonymousid, options);
  const customer = realId(event.customerid, options);
  if (device) fact.device = device;
  if (customer) fact.customer = customer;

  switch (type) {
    case 'page.viewed': {
      fact.path = str(d.path);
      fact.loadMs = num(d.loadTimeMs);
      const touch = classifyVisit(
        {
          url: str(d.url),
          utm: d.utm as Touch | undefined,
          referrer: str(d.referrer),
          ownHosts: options.ownHosts,
        },
        { rules: options.channelRules },
      );
      if (touch.source !== '(direct)' || touch.campaign) fact.touch = touch;
      break;
    }
    case 'page.engaged':
      fact.path = str(d.path);
      fact.activeMs = num(d.activeMs);
      break;
    case 'element.clicked':
      fact.path = str(d.path);
      fact.label = str(d.label);
      break;
    case 'product.viewed':
      fact.product = str(d.productId);
      break;
    case 'product.compared':
      fact.products = (d.productIds as string[]).slice();
      break;
    case 'review.read':
      fact.product = str(d.productId);
      fact.ref = str(d.reviewId);
      break;
    case 'cart.item.added':
    case 'cart.item.removed':
      fact.cart = str(d.cartId);
      fact.product = str(d.productId);
      break;
    case 'checkout.started':
      fact.cart = str(d.cartId);
      fact.loadMs = num(d.pageLoadMs);
      break;
    case 'checkout.field.interacted':
      fact.field = str(d.field);
      fact.dwellMs = num(d.dwellMs);
      fact.corrections = num(d.corrections) ?? 0;
      break;
    case 'checkout.error':
      fact.code = str(d.code);
      fact.field = str(d.field);
      break;
    case 'discount.applied':
      fact.cart = str(d.cartId);
      fact.code = str(d.code);
      break;
    case 'identity.identified': {
      const linkDevice = realId(d.anonymousId, options);
      const linkCustomer = realId(d.customerId, options);
      // Behaviour of the device; it joins the customer's journey only if the link is accepted.
      fact.device ??= linkDevice;
      if (linkDevice && linkCustomer) fact.link = { device: linkDevice, customer: linkCustomer };
      break;
    }
    case 'order.placed': {
      const buyer = realId(d.customerId, options) ?? customer;
      if (buyer) fact.customer = buyer;
      fact.orders = [String(d.orderId)];
      fact.cart = str(d.cartId);
      fact.amount = str(d.total);
      fact.currency = str(d.currency);
      fact.code = str(d.discountCode);
      if (device && buyer) fact.link = { device, customer: buyer };
      break;
    }
    case 'order.cancelled':
    case 'fulfillment.delivered':
      fact.orders = [String(d.orderId)];
      break;
    case 'fulfillment.shipped':
      fact.orders = [String(d.orderId)];
      fact.ref = str(d.trackingNo) ?? str(d.carrier);
      break;
    case 'fulfillment.returned':
      fact.orders = [String(d.orderId)];
      fact.amount = str(d.amount);
      fact.ref = `return@${event.time}`;
      break;
    case 'payment.attempted':
    case 'payment.succeeded':
    case 'payment.failed':
    case 'payment.refunded':
      fact.orders = [String(d.orderId)];
      fact.ref = str(d.paymentId);
      fact.amount = str(d.amount);
      fact.currency = str(d.currency);
      break;
    case 'invoice.issued':
      fact.orders = [String(d.orderId)];
      fact.ref = str(d.invoiceNo);
      fact.amount = str(d.amount);
      fact.currency = str(d.currency);
      break;
    case 'journal.posted': {
      const lines = d.lines as { orderId?: string }[];
      const orders = [...new Set(lines.map((l) => l.orderId).filter((o): o is string => !!o))];
      if (orders.length === 0 && event.correlationid) orders.push(event.correlationid);
      fact.orders = orders.sort();
      fact.ref = str(d.journalId);
      break;
    }
    default:
      if (!fact.web) return undefined;
  }
  return fact;
}

/** The one total order of facts: event time, then the deduplication key. */
export function compareFacts(a: Fact, b: Fact): number {
  return a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
