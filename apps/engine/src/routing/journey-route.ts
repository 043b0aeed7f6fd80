import { isPlaceholderId, type ContextOptions } from '@ctxb/context';
import { parseEventType, type CloudEvent } from '@ctxb/events';

/**
 * Where an event goes on the journey topic, before any lookup:
 *  - `journey`: straight to a journey key (a device, else a customer);
 *  - `order`: to wherever its order's placement went (looked up, or parked until it comes);
 *  - `skip`: events the context does not use (catalogue, inventory, marketing spend).
 * A placement says which journey its order belongs to: its device's, else its customer's,
 * else its own. Journeys are keyed by device first, because the browser's anonymous id is on
 * every behaviour event from the first page view on, long before anyone logs in.
 */
export type JourneyRoute =
  | { kind: 'journey'; key: string }
  | { kind: 'order'; orderIds: string[] }
  | { kind: 'placement'; orderId: string; key: string }
  | { kind: 'skip' };

const ORDER_BOUND = new Set([
  'order.cancelled',
  'fulfillment.shipped',
  'fulfillment.delivered',
  'fulfillment.returned',
  'payment.attempted',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'invoice.issued',
  'journal.posted',
]);

export const deviceKey = (anonymousId: string): string => `d:${anonymousId}`;
export const customerKey = (customerId: string): string => `c:${customerId}`;
export const orderKey = (orderId: string): string => `o:${orderId}`;

export function journeyRoute(
  event: CloudEvent,
  options: Pick<ContextOptions, 'placeholderIds'>,
): JourneyRoute {
  const type = parseEventType(event.type).name;
  const data = event.data;
  const real = (id: unknown): string | undefined =>
    isPlaceholderId(id, options) ? undefined : (id as string);
  const device = real(event.anonymousid);
  const customer = real(event.customerid);

  if (type === 'order.placed') {
    const orderId = String(data.orderId);
    const buyer = real(data.customerId) ?? customer;
    const key = device ? deviceKey(device) : buyer ? customerKey(buyer) : orderKey(orderId);
    return { kind: 'placement', orderId, key };
  }
  if (ORDER_BOUND.has(type)) {
    const orderIds =
      type === 'journal.posted'
        ? [
            ...new Set(
              (data.lines as { orderId?: string }[])
                .map((l) => l.orderId)
                .filter((o): o is string => !!o),
            ),
          ]
        : [String(data.orderId)];
    if (orderIds.length === 0 && event.correlationid) orderIds.push(event.correlationid);
    return orderIds.length > 0 ? { kind: 'order', orderIds: orderIds.sort() } : { kind: 'skip' };
  }
  if (type === 'identity.identified') {
    const linkDevice = real(data.anonymousId) ?? device;
    const linkCustomer = real(data.customerId);
    if (linkDevice) return { kind: 'journey', key: deviceKey(linkDevice) };
    return linkCustomer ? { kind: 'journey', key: customerKey(linkCustomer) } : { kind: 'skip' };
  }
  const behaviour = !['product.updated', 'inventory.adjusted', 'marketing.spend.recorded'].includes(
    type,
  );
  if (!behaviour) return { kind: 'skip' };
  if (device) return { kind: 'journey', key: deviceKey(device) };
  if (customer) return { kind: 'journey', key: customerKey(customer) };
  return { kind: 'skip' };
}
