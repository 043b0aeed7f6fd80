import {
  classifyVisit,
  EVENT_CATALOGUE,
  parseEventType,
  timestampMs,
  Topic,
  type CloudEvent,
  type Touch,
} from '@ctxb/events';
import type { ContextOptions } from './context-options';
import { addMicros, toMicros } from './money';

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
  /** journal.posted: per order, credits and debits on revenue accounts (integer micro-units). */
  revenue?: Record<string, { credit: string; debit: string }>;
  /** identity.identified / order.placed: the anonymous id and customer it links. */
  link?: { device: string; customer: string };
}

/** The placeholder ids of one options object, lower-cased once. */
const placeholderSets = new WeakMap<readonly string[], ReadonlySet<string>>();

export function isPlaceholderId(
  id: unknown,
  options: Pick<ContextOptions, 'placeholderIds'>,
): boolean {
  if (typeof id !== 'string') return true;
  let placeholders = placeholderSets.get(options.placeholderIds);
  if (!placeholders) {
    placeholders = new Set(options.placeholderIds.map((p) => p.toLowerCase()));
    placeholderSets.set(options.placeholderIds, placeholders);
  }
  return placeholders.has(id.trim().toLowerCase());
}

/**
 * `compute` remembered per `keyOf` its arguments, in a map that starts over once it holds
 * `limit` entries.
 */
function memoized<A extends unknown[], V>(
  keyOf: (...args: A) => string,
  compute: (...args: A) => V,
  limit = 10_000,
): (...args: A) => V {
  const cache = new Map<string, V>();
  return (...args) => {
    const key = keyOf(...args);
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(...args);
      if (cache.size >= limit) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}

const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*/i;

/**
 * A page view's touch, memoized per engine options. Classification reads only the URL's query,
 * the utm object and the referrer's scheme and authority (its host), so those make the key.
 */
type VisitTouch = (url?: string, utm?: Touch, referrer?: string) => Touch;
const visitTouches = new WeakMap<ContextOptions, VisitTouch>();

function visitTouchOf(options: ContextOptions): VisitTouch {
  let visitTouch = visitTouches.get(options);
  if (!visitTouch) {
    visitTouch = memoized<[string?, Touch?, string?], Touch>(
      (url, utm, referrer) => {
        // Without a query the URL is not even parsed; with one, the whole URL is the key.
        const query = url?.includes('?') ? url : '';
        const site = referrer === undefined ? '' : (AUTHORITY.exec(referrer)?.[0] ?? referrer);
        return `${query}\u0000${site}\u0000${utm === undefined ? '' : JSON.stringify(utm)}`;
      },
      (url, utm, referrer) =>
        classifyVisit(
          { url, utm, referrer, ownHosts: options.ownHosts },
          { rules: options.channelRules },
        ),
    );
    visitTouches.set(options, visitTouch);
  }
  return visitTouch;
}

/** One shared "source NUL" prefix per producer. */
const sourcePrefix = memoized(
  (source: string) => source,
  (source) => `${source}\u0000`,
);

/** Event type → its name without the version suffix, e.g. `page.viewed`. */
const typeName = memoized(
  (type: string) => type,
  (type) => parseEventType(type).name,
);

type Data = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Returns one shared copy of equal strings (ids, paths repeat on every event of a journey). */
export type Intern = (value: string) => string;
const asIs: Intern = (value) => value;

/**
 * The fact of a validated event, or undefined for a type the context does not use. Strings
 * that repeat across facts go through `intern`, so a journey's facts share one copy of each.
 */
export function toFact(
  event: CloudEvent,
  options: ContextOptions,
  intern: Intern = asIs,
): Fact | undefined {
  const entry = EVENT_CATALOGUE.get(event.type);
  if (!entry) return undefined;
  // The catalogue's own string, not the event's copy of it.
  const type = typeName(entry.type);
  const d = event.data as Data;
  const shared = (v: unknown): string | undefined =>
    typeof v === 'string' ? intern(v) : undefined;
  const realId = (id: unknown): string | undefined =>
    isPlaceholderId(id, options) ? undefined : intern(id as string);
  // One shared "source NUL" prefix per producer, so a key costs one join, not two.
  const key = sourcePrefix(event.source) + event.id;
  const at = timestampMs(event.time);
  const web = entry.topic === Topic.CustomerJourney;
  const device = realId(event.anonymousid);
  const customer = realId(event.customerid);

  // The most frequent behaviour is built in one literal each: every field sits inside the
  // object (no separate property store), which saves memory and keeps property access fast.
  switch (type) {
    case 'page.viewed': {
      const touch = visitTouchOf(options)(str(d.url), d.utm as Touch | undefined, str(d.referrer));
      const path = shared(d.path);
      const loadMs = num(d.loadTimeMs);
      if (touch.source !== '(direct)' || touch.campaign)
        return { key, at, type, web, device, customer, path, loadMs, touch };
      return { key, at, type, web, device, customer, path, loadMs };
    }
    case 'page.engaged': {
      const path = shared(d.path);
      const activeMs = num(d.activeMs);
      return { key, at, type, web, device, customer, path, activeMs };
    }
    case 'element.clicked': {
      const path = shared(d.path);
      const label = str(d.label);
      return { key, at, type, web, device, customer, path, label };
    }
    case 'product.viewed':
      return { key, at, type, web, device, customer, product: shared(d.productId) };
    case 'review.read': {
      const product = shared(d.productId);
      const ref = str(d.reviewId);
      return { key, at, type, web, device, customer, product, ref };
    }
    case 'cart.item.added':
    case 'cart.item.removed': {
      const cart = shared(d.cartId);
      const product = shared(d.productId);
      return { key, at, type, web, device, customer, cart, product };
    }
  }

  const fact: Fact = { key, at, type, web };
  if (device) fact.device = device;
  if (customer) fact.customer = customer;
  switch (type) {
    case 'product.compared':
      fact.products = (d.productIds as string[]).map(intern);
      break;
    case 'checkout.started':
      fact.cart = shared(d.cartId);
      fact.loadMs = num(d.pageLoadMs);
      break;
    case 'checkout.field.interacted':
      fact.field = shared(d.field);
      fact.dwellMs = num(d.dwellMs);
      fact.corrections = num(d.corrections) ?? 0;
      break;
    case 'checkout.error':
      fact.code = shared(d.code);
      fact.field = shared(d.field);
      break;
    case 'discount.applied':
      fact.cart = shared(d.cartId);
      fact.code = shared(d.code);
      break;
    case 'identity.identified': {
      const linkDevice = realId(d.anonymousId);
      const linkCustomer = realId(d.customerId);
      // Behaviour of the device; it joins the customer's journey only if the link is accepted.
      fact.device ??= linkDevice;
      if (linkDevice && linkCustomer) fact.link = { device: linkDevice, customer: linkCustomer };
      break;
    }
    case 'order.placed': {
      const buyer = realId(d.customerId) ?? customer;
      if (buyer) fact.customer = buyer;
      fact.orders = [String(d.orderId)];
      fact.cart = shared(d.cartId);
      fact.amount = str(d.total);
      fact.currency = shared(d.currency);
      fact.code = shared(d.discountCode);
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
      fact.currency = shared(d.currency);
      break;
    case 'invoice.issued':
      fact.orders = [String(d.orderId)];
      fact.ref = str(d.invoiceNo);
      fact.amount = str(d.amount);
      fact.currency = shared(d.currency);
      break;
    case 'journal.posted': {
      const lines = d.lines as { orderId?: string }[];
      const orders = [...new Set(lines.map((l) => l.orderId).filter((o): o is string => !!o))];
      if (orders.length === 0 && event.correlationid) orders.push(event.correlationid);
      fact.orders = orders.sort();
      fact.ref = str(d.journalId);
      fact.revenue = revenueLines(d.lines as JournalLine[], fact.orders, options);
      break;
    }
    default:
      if (!fact.web) return undefined;
  }
  return fact;
}

interface JournalLine {
  account: string;
  debit: string;
  credit: string;
  orderId?: string;
}

/**
 * Credits and debits on revenue accounts per order (micro-units). A line without an order
 * belongs to the journal's only order, if it has exactly one.
 */
function revenueLines(
  lines: readonly JournalLine[],
  orders: readonly string[],
  options: Pick<ContextOptions, 'revenueAccountPrefixes'>,
): Fact['revenue'] {
  const revenue: NonNullable<Fact['revenue']> = {};
  for (const line of lines) {
    const orderId = line.orderId ?? (orders.length === 1 ? orders[0] : undefined);
    if (!orderId || !options.revenueAccountPrefixes.some((p) => line.account.startsWith(p)))
      continue;
    const sums = (revenue[orderId] ??= { credit: '0', debit: '0' });
    sums.credit = addMicros(sums.credit, toMicros(line.credit) ?? '0');
    sums.debit = addMicros(sums.debit, toMicros(line.debit) ?? '0');
  }
  return Object.keys(revenue).length > 0 ? revenue : undefined;
}

/** The one total order of facts: event time, then the deduplication key. */
export function compareFacts(a: Fact, b: Fact): number {
  return a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
