import type { CloudEvent } from './cloud-event';

/**
 * One valid `data` per event type: the contract by example, used by the docs, the tests and
 * as the starting point of the synthetic generator.
 */
export const EXAMPLE_DATA: Readonly<Record<string, Record<string, unknown>>> = {
  'page.viewed': {
    url: 'https://shop.example.com/products/espresso-machine?utm_source=google',
    path: '/products/espresso-machine',
    title: 'Espresso machine',
    referrer: 'https://www.google.com/',
    utm: {
      source: 'google',
      medium: 'cpc',
      campaign: 'spring-espresso',
      term: 'espresso machine',
      content: 'ad-1',
    },
    loadTimeMs: 1240,
  },
  'page.engaged': { path: '/products/espresso-machine', activeMs: 45000, scrollDepthPct: 80 },
  'element.clicked': {
    path: '/products/espresso-machine',
    elementId: 'add-to-cart',
    label: 'Add to cart',
  },
  'search.performed': { query: 'espresso machine', resultsCount: 12 },
  'product.viewed': { productId: 'P-100', price: '249.90', currency: 'EUR', category: 'coffee' },
  'product.compared': { productIds: ['P-100', 'P-101', 'P-102'] },
  'review.read': { productId: 'P-100', reviewId: 'R-9' },
  'cart.item.added': {
    cartId: 'cart-1',
    productId: 'P-100',
    quantity: 1,
    unitPrice: '249.90',
    currency: 'EUR',
  },
  'cart.item.removed': { cartId: 'cart-1', productId: 'P-100', quantity: 1 },
  'checkout.started': { cartId: 'cart-1', pageLoadMs: 4000 },
  'checkout.field.interacted': { field: 'postcode', dwellMs: 5200, corrections: 2 },
  'checkout.error': { code: 'CARD_DECLINED', field: 'card', message: 'The card was declined' },
  'discount.applied': { cartId: 'cart-1', code: 'SPRING10' },
  'identity.identified': { anonymousId: 'anon-1', customerId: 'C-1001' },
  'order.placed': {
    orderId: '12345',
    cartId: 'cart-1',
    customerId: 'C-1001',
    total: '249.90',
    currency: 'EUR',
    lines: [{ productId: 'P-100', quantity: 1, unitPrice: '249.90' }],
    discountCode: 'SPRING10',
  },
  'order.cancelled': { orderId: '12345', reason: 'customer request' },
  'fulfillment.shipped': { orderId: '12345', carrier: 'DHL', trackingNo: 'JD0123' },
  'fulfillment.delivered': { orderId: '12345' },
  'fulfillment.returned': { orderId: '12345', amount: '249.90', reason: 'damaged' },
  'payment.attempted': {
    orderId: '12345',
    paymentId: 'pay-1',
    amount: '249.90',
    currency: 'EUR',
    method: 'card',
  },
  'payment.succeeded': {
    orderId: '12345',
    paymentId: 'pay-1',
    amount: '249.90',
    currency: 'EUR',
    method: 'card',
  },
  'payment.failed': {
    orderId: '12345',
    paymentId: 'pay-1',
    amount: '249.90',
    currency: 'EUR',
    reason: 'insufficient funds',
  },
  'payment.refunded': { orderId: '12345', paymentId: 'pay-1', amount: '249.90', currency: 'EUR' },
  'product.updated': { productId: 'P-100', price: '239.90', currency: 'EUR', category: 'coffee' },
  'inventory.adjusted': { sku: 'P-100', warehouse: 'WH-1', delta: -1, onHand: 41 },
  'invoice.issued': {
    invoiceNo: 'INV-2026-0001',
    orderId: '12345',
    amount: '249.90',
    currency: 'EUR',
  },
  'journal.posted': {
    journalId: 'JE-2026-0001',
    lines: [
      { account: '1200', debit: '249.90', credit: '0', orderId: '12345' },
      { account: '4000', debit: '0', credit: '249.90', orderId: '12345' },
    ],
  },
  'marketing.spend.recorded': {
    date: '2026-03-11',
    channel: 'paid-search',
    campaign: 'spring-espresso',
    amount: '1200.00',
    currency: 'EUR',
  },
};

export function exampleEvent(type: string, overrides: Partial<CloudEvent> = {}): CloudEvent {
  const data = EXAMPLE_DATA[type];
  if (!data) throw new Error(`no example for ${type}`);
  return {
    specversion: '1.0',
    id: `${type}-1`,
    source: 'https://shop.example.com',
    type,
    time: '2026-03-14T16:05:00Z',
    anonymousid: 'anon-1',
    data: structuredClone(data),
    ...overrides,
  };
}
