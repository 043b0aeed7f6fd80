import { Heap } from 'heap-js';
import type { CloudEvent } from '@ctxb/events';
import {
  CAMPAIGNS,
  DISCOUNT_CODES,
  money,
  ORGANIC_REFERRERS,
  PRODUCTS,
  SOURCES,
  type Campaign,
} from './catalogue-data';
import { JourneyWriter } from './journey-writer';
import { order12345Events, ORDER_12345 } from './order-12345.scenario';
import { writeOrderAftermath } from './order-documents';
import { SeededRandom } from './seeded-random';

export interface TrafficOptions {
  seed: number;
  journeys: number;
  /** First day of traffic, UTC midnight. */
  start: string;
  days: number;
  /** Include the fixed order-12345 story (at its own dates). */
  includeStory: boolean;
  /**
   * Starts every id of the generated shoppers, orders and documents (default none): traffic
   * written beside other traffic on shared topics then never shares an id with it.
   */
  idPrefix?: string;
}

export const DEFAULT_TRAFFIC: TrafficOptions = {
  seed: 42,
  journeys: 1000,
  start: '2026-03-01',
  days: 30,
  includeStory: true,
};

const DAY = 86_400_000;
const MINUTE = 60_000;

type Entry =
  | { kind: 'campaign'; campaign: Campaign }
  | { kind: 'organic'; referrer: string }
  | { kind: 'direct' };

/**
 * Realistic, reproducible traffic for every topic. Each journey is a shopper with one to six
 * sessions over days, arriving through campaigns, search, social or directly; browsing,
 * searching, comparing, reading reviews, filling and abandoning carts; some check out. The
 * checkout page's load time is drawn per journey: slow pages convert less and with smaller
 * baskets. Orders get payments (some failing), shipping, returns, invoices and revenue
 * journals; every day gets marketing spend per campaign, a catalogue update and stock moves.
 *
 * Yields chunks in event-time order, as live traffic arrives (journeys overlap: a shopper's
 * second session comes days later, between other shoppers' visits); the same options give
 * the same events, byte for byte.
 */
export function* generateTraffic(options: TrafficOptions): Generator<CloudEvent[]> {
  const pending = new TimeOrderedBuffer();
  for (const { events, horizon } of journeysByStart(options)) {
    pending.add(events);
    const ready = pending.takeBefore(horizon);
    if (ready.length > 0) yield ready;
  }
  const rest = pending.takeBefore(Number.POSITIVE_INFINITY);
  if (rest.length > 0) yield rest;
}

/** All of generateTraffic's events in one array, in event-time order (for tests and benches). */
export function trafficEvents(options: TrafficOptions): CloudEvent[] {
  const events: CloudEvent[] = [];
  for (const chunk of generateTraffic(options)) events.push(...chunk);
  return events;
}

/**
 * Whole journeys (and each day's back-office events) in order of their start, each with a
 * horizon: no event generated later is older than it.
 */
function* journeysByStart(
  options: TrafficOptions,
): Generator<{ events: CloudEvent[]; horizon: number }> {
  const random = new SeededRandom(options.seed);
  const start = Date.parse(`${options.start}T00:00:00Z`);
  const span = options.days * DAY;
  let storyDone = !options.includeStory;
  const prefix = options.idPrefix ?? '';
  let nextDay = 0;
  const onHand = new Map(PRODUCTS.map((p) => [p.id, 200]));
  const earliestStart = (n: number) =>
    n >= options.journeys
      ? Number.POSITIVE_INFINITY
      : start + Math.floor((n * span) / Math.max(1, options.journeys));
  const horizon = (n: number) =>
    Math.min(
      earliestStart(n),
      storyDone ? Number.POSITIVE_INFINITY : ORDER_12345.firstTouchAt,
      nextDay < options.days ? start + nextDay * DAY : Number.POSITIVE_INFINITY,
    );

  for (let n = 0; n < options.journeys; n++) {
    const journeyStart = earliestStart(n) + random.int(0, 59) * MINUTE;
    while (nextDay < options.days && start + nextDay * DAY <= journeyStart) {
      const events = dailyEvents(random, start + nextDay++ * DAY, onHand, prefix);
      yield { events, horizon: horizon(n) };
    }
    if (!storyDone && journeyStart >= ORDER_12345.firstTouchAt) {
      storyDone = true;
      yield { events: order12345Events(), horizon: horizon(n) };
    }
    const events = journey(random, n, journeyStart, onHand, prefix);
    yield { events, horizon: horizon(n + 1) };
  }
  while (nextDay < options.days) {
    const events = dailyEvents(random, start + nextDay++ * DAY, onHand, prefix);
    yield { events, horizon: horizon(options.journeys) };
  }
  if (!storyDone) {
    storyDone = true;
    yield { events: order12345Events(), horizon: Number.POSITIVE_INFINITY };
  }
}

/** Events waiting for their turn: a min-heap on (time, order of generation). */
class TimeOrderedBuffer {
  private readonly heap = new Heap<{ at: number; seq: number; event: CloudEvent }>(
    (x, y) => x.at - y.at || x.seq - y.seq,
  );
  private seq = 0;

  add(events: CloudEvent[]): void {
    for (const event of events)
      this.heap.push({ at: Date.parse(event.time), seq: this.seq++, event });
  }

  takeBefore(horizon: number): CloudEvent[] {
    const out: CloudEvent[] = [];
    while (this.heap.length > 0 && this.heap.peek()!.at < horizon) out.push(this.heap.pop()!.event);
    return out;
  }
}

function journey(
  random: SeededRandom,
  n: number,
  startMs: number,
  onHand: Map<string, number>,
  prefix: string,
): CloudEvent[] {
  const j = new JourneyWriter(`${prefix}j${n}`, `a-${prefix}${random.hex(16)}`, startMs);
  const sessions = random.weighted([
    [1, 40],
    [2, 25],
    [3, 15],
    [4, 10],
    [5, 6],
    [6, 4],
  ] as const);
  const checkoutLoadMs = random.weighted([
    [random.int(700, 1_900), 55],
    [random.int(2_000, 4_900), 30],
    [random.int(5_000, 9_000), 15],
  ] as const);
  const speed = checkoutLoadMs < 2_000 ? 'fast' : checkoutLoadMs < 5_000 ? 'medium' : 'slow';
  const interest = random.sample(PRODUCTS, random.int(2, 6));
  const firstEntry = pickFirstEntry(random);
  let foundCode: string | undefined;

  for (let s = 0; s < sessions; s++) {
    if (s > 0) j.now += random.int(2, 72) * 3_600_000;
    const entry = s === 0 ? firstEntry : pickReturnEntry(random);
    landing(j, random, entry);
    if (random.chance(0.35)) {
      j.wait(random.int(3, 20) * 1000);
      j.emit('search.performed', {
        query: random.pick(interest).name.toLowerCase(),
        resultsCount: random.int(0, 30),
      });
    }
    for (const p of random.sample(interest, random.int(1, Math.min(4, interest.length)))) {
      j.viewProduct(p, random.int(15, 180) * 1000, random.int(400, 2_500));
      if (random.chance(0.25)) j.readReview(p, random.int(1, 20));
    }
    if (interest.length >= 2 && random.chance(0.2))
      j.compare(random.sample(interest, random.int(2, Math.min(4, interest.length))));
    if (entry.kind === 'campaign' && entry.campaign.channel === 'email' && random.chance(0.6)) {
      foundCode = random.pick(DISCOUNT_CODES);
      j.wait(8_000);
      j.emit('element.clicked', {
        path: '/offers',
        elementId: 'reveal-discount-code',
        label: foundCode,
      });
    }
    if (random.chance(0.45)) {
      const basket =
        speed === 'fast' ? random.int(1, 3) : speed === 'medium' ? random.int(1, 2) : 1;
      for (const p of random.sample(interest, basket))
        j.addToCart(
          p,
          random.weighted([
            [1, 85],
            [2, 12],
            [3, 3],
          ] as const),
        );
      if (j.cartLines.size > 1 && random.chance(0.15))
        j.removeFromCart([...j.cartLines.values()][0].product);
    }
  }

  if (j.cartLines.size > 0 && random.chance(0.7)) {
    const converts = random.chance(speed === 'fast' ? 0.8 : speed === 'medium' ? 0.6 : 0.3);
    checkout(j, random, n, checkoutLoadMs, foundCode, onHand, converts, prefix);
  }
  return j.events;
}

/** Checkout: slow pages make shoppers hesitate longer, and more of them leave without ordering. */
function checkout(
  j: JourneyWriter,
  random: SeededRandom,
  n: number,
  loadMs: number,
  foundCode: string | undefined,
  onHand: Map<string, number>,
  converts: boolean,
  prefix: string,
): void {
  j.wait(random.int(10, 120) * 1000);
  j.pageView('/checkout', { loadTimeMs: loadMs });
  j.emit('checkout.started', { cartId: j.cartId, pageLoadMs: loadMs });
  j.identify(`C-${prefix}${20000 + n}`);
  const hesitation = loadMs >= 5_000 ? 2 : 1;
  for (const field of ['email', 'address', 'postcode', 'card']) {
    const dwellMs = random.int(1_500, 9_000) * hesitation;
    j.wait(dwellMs);
    j.emit('checkout.field.interacted', {
      field,
      dwellMs,
      corrections: random.weighted([
        [0, 70],
        [1, 20],
        [2, 10],
      ] as const),
    });
  }
  if (random.chance(0.1)) {
    j.wait(2_000);
    j.emit('checkout.error', {
      code: 'ADDRESS_INVALID',
      field: 'postcode',
      message: 'The postcode does not match the city',
    });
  }
  if (!converts) return;
  const orderId = `${prefix}${100_000 + n}`;
  let totalCents = j.cartTotalCents();
  const discount = foundCode ?? (random.chance(0.1) ? 'WELCOME5' : undefined);
  if (discount) {
    j.wait(3_000);
    j.emit('discount.applied', { cartId: j.cartId, code: discount });
    totalCents =
      discount === 'SPRING10'
        ? Math.round(totalCents * 0.9)
        : discount === 'WELCOME5'
          ? totalCents - Math.min(500, totalCents)
          : totalCents;
  }
  j.wait(random.int(20, 90) * 1000);
  j.emit(
    'order.placed',
    {
      orderId,
      cartId: j.cartId,
      customerId: j.customerId,
      total: money(totalCents),
      currency: 'EUR',
      lines: j.orderLines(),
      ...(discount ? { discountCode: discount } : {}),
    },
    { source: SOURCES.backend, correlationid: orderId },
  );
  for (const line of j.cartLines.values()) {
    const left = (onHand.get(line.product.id) ?? 0) - line.quantity;
    onHand.set(line.product.id, left);
    j.emit(
      'inventory.adjusted',
      { sku: line.product.id, warehouse: 'WH-1', delta: -line.quantity, onHand: left },
      { source: SOURCES.warehouse, web: false },
    );
  }
  const paymentFails = random.chance(0.06)
    ? random.chance(0.6)
      ? ('then-succeeds' as const)
      : ('cancelled' as const)
    : undefined;
  writeOrderAftermath(
    j,
    orderId,
    totalCents,
    { paymentFails, returned: !paymentFails && random.chance(0.05) },
    random,
  );
}

function pickFirstEntry(random: SeededRandom): Entry {
  return random.weighted<Entry>([
    [{ kind: 'campaign', campaign: random.pick(CAMPAIGNS) }, 45],
    [{ kind: 'organic', referrer: random.pick(ORGANIC_REFERRERS) }, 30],
    [{ kind: 'direct' }, 25],
  ]);
}

function pickReturnEntry(random: SeededRandom): Entry {
  return random.weighted<Entry>([
    [{ kind: 'direct' }, 50],
    [{ kind: 'organic', referrer: random.pick(ORGANIC_REFERRERS) }, 20],
    [
      {
        kind: 'campaign',
        campaign: random.pick(
          CAMPAIGNS.filter((c) => c.channel === 'email' || c.channel === 'display'),
        ),
      },
      30,
    ],
  ]);
}

function landing(j: JourneyWriter, random: SeededRandom, entry: Entry): void {
  const loadTimeMs = random.int(500, 2_500);
  if (entry.kind === 'campaign') {
    const { source, medium, campaign } = entry.campaign.utm;
    const clickId = medium === 'cpc' && source === 'google' ? `&gclid=${random.hex(20)}` : '';
    j.pageView(`/landing/${campaign}`, {
      utm: entry.campaign.utm,
      query: `utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}${clickId}`,
      loadTimeMs,
    });
  } else if (entry.kind === 'organic') {
    j.pageView('/', { referrer: entry.referrer, loadTimeMs });
  } else {
    j.pageView('/', { loadTimeMs });
  }
  j.engage(
    j.events[j.events.length - 1].data.path as string,
    random.int(5, 60) * 1000,
    random.int(20, 100),
  );
}

/** Once a day: spend per campaign, a price update, a stock receipt. */
function dailyEvents(
  random: SeededRandom,
  dayStart: number,
  onHand: Map<string, number>,
  prefix: string,
): CloudEvent[] {
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const j = new JourneyWriter(
    `${prefix}d${day}`,
    'system',
    dayStart + 23 * 3_600_000 + 59 * MINUTE,
  );
  for (const c of CAMPAIGNS) {
    const cents = Math.round(c.dailySpendCents * (0.8 + random.next() * 0.4));
    j.emit(
      'marketing.spend.recorded',
      {
        date: day,
        channel: c.channel,
        campaign: c.utm.campaign,
        amount: money(cents),
        currency: 'EUR',
      },
      { source: SOURCES.marketing, web: false },
    );
  }
  const updated = random.pick(PRODUCTS);
  j.emit(
    'product.updated',
    {
      productId: updated.id,
      price: money(updated.price),
      currency: 'EUR',
      category: updated.category,
    },
    { source: SOURCES.backend, web: false },
  );
  const restocked = random.pick(PRODUCTS);
  const delta = random.int(20, 100);
  onHand.set(restocked.id, (onHand.get(restocked.id) ?? 0) + delta);
  j.emit(
    'inventory.adjusted',
    { sku: restocked.id, warehouse: 'WH-1', delta, onHand: onHand.get(restocked.id)! },
    { source: SOURCES.warehouse, web: false },
  );
  return j.events;
}
