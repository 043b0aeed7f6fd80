import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Topic } from '@ctxb/events';
import { createKafka } from '@ctxb/streaming';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import { holdEventTimeLock, withLockWait } from '../support/event-time-lock';
import { startInProcess, type RunningApp } from '../support/http';
import { freePort, testConfig } from '../support/test-config';
import { TopicTail } from '../support/topic-tail';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

// Evaluated in the page (strings, so this file needs no DOM types).
const TRACKER_READY = "typeof window.ctxb === 'object'";
const ANONYMOUS_ID = "localStorage.getItem('ctxb_aid')";
const NAVIGATION_LOAD_MS =
  "(() => { const nav = performance.getEntriesByType('navigation')[0]; return Math.round(nav.loadEventEnd - nav.startTime); })()";

/** A tiny shop on its own origin that embeds the tracker from the gateway. */
function shopServer(gatewayUrl: string): Server {
  const layout = (
    title: string,
    body: string,
  ) => `<!doctype html><html><head><title>${title}</title>
<script async src="${gatewayUrl}/tracker.js" data-write-key="ctxb-demo-write-key" data-source="https://shop.test"></script>
</head><body style="height:3000px">${body}</body></html>`;
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    response.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/product') {
      response.end(
        layout(
          'Espresso machine',
          '<h1>Espresso machine</h1><button id="add-to-cart">Add to cart</button>',
        ),
      );
    } else {
      response.end(
        layout('Home', '<h1>Shop</h1><a id="to-product" href="/product">Espresso machine</a>'),
      );
    }
  });
}

describe('browser tracker in headless Chromium', () => {
  let app: RunningApp;
  let shop: Server;
  let shopOrigin: string;
  let browser: Browser;
  let tail: TopicTail;
  let release: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // The browser's events are dated now: an engine of another test reading dated traffic
    // meanwhile (the demo's March 2026) would fold them into its clock and journeys.
    release = await holdEventTimeLock(testConfig());
    const port = await freePort();
    shopOrigin = `http://127.0.0.1:${port}`;
    const config = testConfig((c) => (c.collector.corsOrigins = [shopOrigin]));
    app = await startInProcess(gatewayApp, config);
    shop = shopServer(app.url);
    await new Promise<void>((resolve) => shop.listen(port, '127.0.0.1', resolve));
    tail = await TopicTail.start(createKafka(config.kafka, 'test'), [Topic.CustomerJourney]);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // The lock may be held for minutes by a test running a whole pipeline.
  }, withLockWait(300_000));
  afterAll(async () => {
    await browser?.close();
    await tail?.stop();
    shop?.close();
    await app?.close();
    await release?.();
  });

  it('sends page views with UTM, referrer and load time, clicks and engagement, under one anonymous id', async () => {
    const page = await browser.newPage();
    await page.goto(
      `${shopOrigin}/?utm_source=google&utm_medium=cpc&utm_campaign=spring-espresso&gclid=abc`,
      {
        referer: 'https://www.google.com/',
        waitUntil: 'load',
      },
    );
    await page.waitForFunction(TRACKER_READY);
    const anonymousId = await page.evaluate<string | null>(ANONYMOUS_ID);
    expect(anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    await page.mouse.wheel(0, 800);
    await page.waitForTimeout(1200);

    await page.click('#to-product');
    await page.waitForURL(`${shopOrigin}/product`);
    await page.waitForLoadState('load');
    await page.waitForFunction(TRACKER_READY);
    await page.waitForTimeout(300);
    const productLoadMs = await page.evaluate<number>(NAVIGATION_LOAD_MS);
    expect(await page.evaluate<string | null>(ANONYMOUS_ID)).toBe(anonymousId);
    await page.click('#add-to-cart');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'tracker-product-page.png') });
    await page.goto('about:blank'); // leaving the page: engagement and the queue go by sendBeacon

    const events = (await tail.waitFor((m) => m.event?.anonymousid === anonymousId, 6, 30_000)).map(
      (m) => ({ key: m.key, event: m.event! }),
    );
    for (const { key } of events) expect(key).toBe(anonymousId);
    const of = (type: string) => events.map((e) => e.event).filter((e) => e.type === type);

    const [home, product] = of('page.viewed');
    expect(home.data).toEqual(
      expect.objectContaining({
        path: '/',
        referrer: 'https://www.google.com/',
        utm: { source: 'google', medium: 'cpc', campaign: 'spring-espresso' },
      }),
    );
    expect(home.data.loadTimeMs).toBeGreaterThan(0);
    expect(product.data).toEqual(
      expect.objectContaining({
        path: '/product',
        title: 'Espresso machine',
        loadTimeMs: productLoadMs,
      }),
    );
    expect(of('element.clicked').map((e) => e.data)).toEqual([
      { path: '/', elementId: 'to-product', label: 'Espresso machine' },
      { path: '/product', elementId: 'add-to-cart', label: 'Add to cart' },
    ]);
    const engaged = of('page.engaged');
    expect(engaged.map((e) => e.data.path)).toEqual(['/', '/product']);
    expect(engaged[0].data.activeMs).toBeGreaterThan(1000);
    expect(engaged[0].data.scrollDepthPct).toBeGreaterThan(20);
    expect(new Set(events.map((e) => e.event.source))).toEqual(new Set(['https://shop.test']));
  });
});
