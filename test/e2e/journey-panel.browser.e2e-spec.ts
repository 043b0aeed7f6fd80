import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ORDER_12345 } from '@ctxb/simulation';
import { DeliveryLogStore, ErpAmountStore } from '@ctxb/store';
import { panelLink } from '@ctxb/panel';
import { order12345Records, storyDelivery } from '../support/order-12345-records';
import { DEMO_API_KEY, startQueryApi, type QueryApi } from '../support/query-api';
import { freePort } from '../support/test-config';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const SECRET = 'test-panel-secret-0123456789abcdef';

/** A page of another site that shows `src` in an iframe. */
function framingSite(src: () => string): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>CRM</title><iframe id="panel" src="${src()}" width="800" height="600"></iframe>`,
    );
  });
}

describe('journey panel in a real browser (headless Chromium)', () => {
  const records = order12345Records();
  const newest = records.at(-1)!;
  const reference = newest.contextReferenceId;
  let app: QueryApi;
  let browser: Browser;
  let allowed: Server;
  let refused: Server;
  let allowedOrigin: string;
  let refusedOrigin: string;
  let link = '';

  beforeAll(async () => {
    const [allowedPort, refusedPort] = [await freePort(), await freePort()];
    allowedOrigin = `http://127.0.0.1:${allowedPort}`;
    refusedOrigin = `http://localhost:${refusedPort}`;
    app = await startQueryApi(
      records,
      { key: 'none', scopes: [] },
      async (_store, client) => {
        // The order header linked, its total read back from the ERP; the CRM's amount differs.
        const linked = storyDelivery({
          amounts: [{ document: ORDER_12345.orderId, currency: '', amount: '249.90', rows: 1 }],
        });
        const crm = storyDelivery({
          connector: 'salesforce',
          target: 'crm',
          recordIds: ['006000000000001AAA'],
          amounts: [{ document: '006000000000001AAA', currency: '', amount: '224.91', rows: 1 }],
        });
        await new DeliveryLogStore(client).write([linked, crm]);
        await new ErpAmountStore(client).write([linked, crm]);
      },
      (c) => {
        c.panel.frameAncestors = [allowedOrigin];
      },
    );
    const answer = await fetch(`${app.url}/v1/contexts/${reference}/panel-link`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    });
    expect(answer.status).toBe(200);
    const { url } = (await answer.json()) as { url: string; expiresAt: string };
    // The link names the configured public address; here the gateway listens elsewhere.
    const { pathname, search } = new URL(url);
    link = `${app.url}${pathname}${search}`;
    allowed = framingSite(() => link);
    refused = framingSite(() => link);
    await new Promise<void>((resolve) => allowed.listen(allowedPort, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => refused.listen(refusedPort, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => allowed?.close(resolve));
    await new Promise((resolve) => refused?.close(resolve));
    await app?.close();
  });

  it('shows the story: timeline of 5 sessions, first touch Google Ads, the code found in session 3, the chart, the states', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    // Anything refused: a blocked resource logs an error, a missing one answers 4xx.
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        blocked.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
        blocked.push(`${r.status()} ${r.url()}`);
    });
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe(`Order ${ORDER_12345.orderId}`);
    expect(await page.locator('#timeline g.session').count()).toBe(5);
    expect(await page.locator('header').textContent()).toContain(
      'first touch Google Ads (spring-espresso)',
    );
    expect(await page.locator('tr.discount td').first().textContent()).toBe('3');
    expect(await page.locator('tr.discount').textContent()).toContain('found SPRING10');
    expect(await page.locator('#attribution g.model').count()).toBe(5);
    // The chart is drawn: its bars have width on screen.
    const bar = await page
      .locator('#attribution g.model[data-model="linear"] rect')
      .first()
      .boundingBox();
    expect(bar!.width).toBeGreaterThan(10);
    const states = await page.locator('#states tbody td:first-child').allTextContents();
    expect(states).toEqual(newest.state.history.map((h) => h.state));
    expect(await page.locator('#documents').textContent()).toContain('sample-erp order 12345');
    // What each system holds against the context: the ERP agrees, the CRM does not.
    expect(await page.locator('#documents table.money tr.agrees').textContent()).toContain(
      'sample-erp order 12345249.90 EUR249.90agrees',
    );
    expect(await page.locator('#documents table.money tr.differs').textContent()).toContain(
      'differs by -24.99',
    );
    // The stylesheet applied (served by the gateway itself, allowed by the CSP).
    expect(await page.evaluate('getComputedStyle(document.body).maxWidth')).toBe('760px');
    expect(blocked).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'journey-panel-12345.png'), fullPage: true });
    await page.close();
  });

  it('answers with a policy that loads only its own stylesheet and names who may frame it', async () => {
    const response = await fetch(link);
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self' ${allowedOrigin}`,
    );
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const unknown = await fetch(
      `${app.url}/v1/contexts/ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa/panel-link`,
      {
        headers: { authorization: `Bearer ${DEMO_API_KEY}` },
      },
    );
    expect(unknown.status).toBe(404);
    expect((await fetch(`${app.url}/v1/contexts/${reference}/panel-link`)).status).toBe(401);
  });

  it('refuses an expired or tampered link with 403', async () => {
    const page = await browser.newPage();
    const tampered = link.replace(
      /signature=([\w-])/,
      (_, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`,
    );
    expect((await page.goto(tampered))?.status()).toBe(403);
    const { pathname, search } = new URL(
      panelLink('http://x', SECRET, reference, new Date(Date.now() - 1000)),
    );
    const expired = await page.goto(`${app.url}${pathname}${search}`);
    expect(expired?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('expired');
    await page.close();
  });

  it('shows a page that reloads itself for a signed link whose context is not stored yet', async () => {
    const page = await browser.newPage();
    const { pathname, search } = new URL(
      panelLink(
        'http://x',
        SECRET,
        'ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa',
        new Date(Date.now() + 60_000),
      ),
    );
    const pending = await page.goto(`${app.url}${pathname}${search}`);
    expect(pending?.status()).toBe(404);
    expect(pending?.headers()['retry-after']).toBe('30');
    expect(await page.textContent('h1')).toBe('Journey being assembled');
    expect(await page.getAttribute('meta[http-equiv="refresh"]', 'content')).toBe('30');
    await page.close();
  });

  it('loads inside an iframe of an allowed origin and is refused by another', async () => {
    const page = await browser.newPage();
    await page.goto(`${allowedOrigin}/`);
    const framed = page.frameLocator('#panel');
    await expect(framed.locator('h1').textContent({ timeout: 10_000 })).resolves.toBe(
      `Order ${ORDER_12345.orderId}`,
    );
    const other = await browser.newPage();
    await other.goto(`${refusedOrigin}/`);
    await other.waitForTimeout(1500);
    const frame = other.frames().find((f) => f !== other.mainFrame());
    // Blocked by frame-ancestors: the frame shows the browser's error page, not the panel.
    const heading = await frame
      ?.locator('h1')
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => null);
    expect(heading).not.toBe(`Order ${ORDER_12345.orderId}`);
    expect(frame?.url()).toBe('chrome-error://chromewebdata/');
    await page.close();
    await other.close();
  });
});
