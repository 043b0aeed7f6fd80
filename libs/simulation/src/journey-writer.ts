import type { CloudEvent } from '@ctxb/events';
import { DISCOUNT_CODES, money, SHOP, SOURCES, type Product } from './catalogue-data';

/**
 * Writes the events of one shopper's journey in time order, with deterministic ids
 * (`<journey>-<n>`). Times are milliseconds since the epoch; the writer advances its own
 * clock as the shopper acts.
 */
export class JourneyWriter {
  readonly events: CloudEvent[] = [];
  now: number;
  private seq = 0;
  customerId?: string;
  cartId: string;
  cartLines = new Map<string, { product: Product; quantity: number }>();

  constructor(
    readonly journeyId: string,
    readonly anonymousId: string,
    start: number,
  ) {
    this.now = start;
    this.cartId = `cart-${journeyId}`;
  }

  wait(ms: number): this {
    this.now += ms;
    return this;
  }

  emit(
    type: string,
    data: Record<string, unknown>,
    options: { source?: string; web?: boolean; correlationid?: string } = {},
  ): CloudEvent {
    const web = options.web ?? true;
    const event: CloudEvent = {
      specversion: '1.0',
      id: `${this.journeyId}-${++this.seq}`,
      source: options.source ?? SOURCES.web,
      type,
      time: new Date(this.now).toISOString(),
      ...(web ? { anonymousid: this.anonymousId } : {}),
      ...(this.customerId ? { customerid: this.customerId } : {}),
      ...(options.correlationid ? { correlationid: options.correlationid } : {}),
      data,
    };
    this.events.push(event);
    return event;
  }

  pageView(
    path: string,
    extra: {
      referrer?: string;
      utm?: Record<string, string>;
      query?: string;
      loadTimeMs?: number;
      title?: string;
    } = {},
  ): void {
    const url = `${SHOP}${path}${extra.query ? `?${extra.query}` : ''}`;
    this.emit('page.viewed', {
      url,
      path,
      ...(extra.title ? { title: extra.title } : {}),
      ...(extra.referrer ? { referrer: extra.referrer } : {}),
      ...(extra.utm ? { utm: extra.utm } : {}),
      ...(extra.loadTimeMs !== undefined ? { loadTimeMs: extra.loadTimeMs } : {}),
    });
  }

  engage(path: string, activeMs: number, scrollDepthPct: number): void {
    this.wait(activeMs);
    this.emit('page.engaged', { path, activeMs, scrollDepthPct });
  }

  viewProduct(product: Product, activeMs: number, loadTimeMs = 900): void {
    const path = `/products/${product.id}`;
    this.pageView(path, { title: product.name, loadTimeMs });
    this.wait(300);
    this.emit('product.viewed', {
      productId: product.id,
      price: money(product.price),
      currency: 'EUR',
      category: product.category,
    });
    this.engage(path, activeMs, 70);
  }

  compare(products: Product[]): void {
    this.pageView('/compare', { loadTimeMs: 800 });
    this.wait(2_000);
    this.emit('product.compared', { productIds: products.map((p) => p.id) });
    this.engage('/compare', 40_000, 90);
  }

  readReview(product: Product, reviewNo: number): void {
    this.wait(5_000);
    this.emit('review.read', { productId: product.id, reviewId: `R-${product.id}-${reviewNo}` });
  }

  addToCart(product: Product, quantity = 1): void {
    this.wait(3_000);
    this.emit('cart.item.added', {
      cartId: this.cartId,
      productId: product.id,
      quantity,
      unitPrice: money(product.price),
      currency: 'EUR',
    });
    const line = this.cartLines.get(product.id);
    this.cartLines.set(product.id, { product, quantity: (line?.quantity ?? 0) + quantity });
  }

  removeFromCart(product: Product): void {
    const line = this.cartLines.get(product.id);
    if (!line) return;
    this.wait(2_000);
    this.emit('cart.item.removed', {
      cartId: this.cartId,
      productId: product.id,
      quantity: line.quantity,
    });
    this.cartLines.delete(product.id);
  }

  identify(customerId: string): void {
    this.wait(1_000);
    this.emit('identity.identified', { anonymousId: this.anonymousId, customerId });
    this.customerId = customerId;
  }

  cartTotalCents(): number {
    return [...this.cartLines.values()].reduce((sum, l) => sum + l.product.price * l.quantity, 0);
  }

  orderLines(): { productId: string; quantity: number; unitPrice: string }[] {
    return [...this.cartLines.values()].map((l) => ({
      productId: l.product.id,
      quantity: l.quantity,
      unitPrice: money(l.product.price),
    }));
  }

  static isDiscountCode(code: string): boolean {
    return DISCOUNT_CODES.includes(code);
  }
}
