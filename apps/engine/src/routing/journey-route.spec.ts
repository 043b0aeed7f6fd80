import { contextOptions } from '@ctxb/context';
import { exampleEvent } from '@ctxb/events';
import { journeyRoute } from './journey-route';

const options = contextOptions();

describe('journey routing', () => {
  it('keys behaviour by the browser’s anonymous id, even after login', () => {
    const view = exampleEvent('page.viewed', { anonymousid: 'a-1', customerid: 'C-1' });
    expect(journeyRoute(view, options)).toEqual({ kind: 'journey', key: 'd:a-1' });
  });

  it('keys server-side behaviour with only a customer by the customer', () => {
    const view = exampleEvent('search.performed', { anonymousid: undefined, customerid: 'C-1' });
    expect(journeyRoute(view, options)).toEqual({ kind: 'journey', key: 'c:C-1' });
  });

  it('treats placeholder ids as absent', () => {
    const view = exampleEvent('page.viewed', { anonymousid: 'null', customerid: 'undefined' });
    expect(journeyRoute(view, options)).toEqual({ kind: 'skip' });
  });

  it('places an order with its device, else its customer, else itself', () => {
    const placed = exampleEvent('order.placed', { anonymousid: 'a-1' });
    expect(journeyRoute(placed, options)).toMatchObject({ kind: 'placement', key: 'd:a-1' });
    const backend = exampleEvent('order.placed', { anonymousid: undefined, customerid: undefined });
    backend.data.customerId = 'C-9';
    expect(journeyRoute(backend, options)).toMatchObject({ kind: 'placement', key: 'c:C-9' });
    delete backend.data.customerId;
    expect(journeyRoute(backend, options)).toMatchObject({
      kind: 'placement',
      key: `o:${String(backend.data.orderId)}`,
    });
  });

  it('sends payments, shipments and invoices after their order, and a journal to each of its orders', () => {
    expect(journeyRoute(exampleEvent('payment.succeeded'), options)).toMatchObject({
      kind: 'order',
    });
    const journal = exampleEvent('journal.posted');
    journal.data.lines = [
      { account: '1200', debit: '1.00', credit: '0.00', orderId: 'B' },
      { account: '4000', debit: '0.00', credit: '1.00', orderId: 'A' },
      { account: '2200', debit: '0.00', credit: '0.00', orderId: 'B' },
    ];
    expect(journeyRoute(journal, options)).toEqual({ kind: 'order', orderIds: ['A', 'B'] });
  });

  it('routes an identification to the device it names', () => {
    const identified = exampleEvent('identity.identified', { anonymousid: undefined });
    identified.data = { anonymousId: 'a-7', customerId: 'C-7' };
    expect(journeyRoute(identified, options)).toEqual({ kind: 'journey', key: 'd:a-7' });
  });

  it.each(['product.updated', 'inventory.adjusted', 'marketing.spend.recorded'])(
    'leaves %s out of journeys',
    (type) => expect(journeyRoute(exampleEvent(type), options)).toEqual({ kind: 'skip' }),
  );
});
