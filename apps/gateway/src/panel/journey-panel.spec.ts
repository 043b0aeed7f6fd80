import { ATTRIBUTION_MODELS } from '@ctxb/context';
import { Channel } from '@ctxb/events';
import { ORDER_12345, order12345Records } from '@ctxb/simulation';
import {
  escapeHtml,
  moneyChecks,
  PENDING_RELOAD_SECONDS,
  renderJourneyPanel,
  renderPendingPanel,
  touchLabel,
} from './journey-panel';

describe('journey panel page', () => {
  const story = order12345Records().at(-1)!;
  const html = renderJourneyPanel(story, [
    { connector: 'sample-erp', target: 'om', id: '12345' },
    { connector: 'salesforce', target: 'crm', id: '006000000000001AAA' },
  ]);

  it("tells the story's facts: five sessions, Google Ads first, the code found in session 3", () => {
    expect(html).toContain(`<h1>Order ${ORDER_12345.orderId}</h1>`);
    expect(html).toContain('5 sessions over 3 days · first touch Google Ads (spring-espresso)');
    expect(html).toContain('<td>paid-search (Google Ads)</td>');
    expect(html.match(/<g class="session" data-session="\d"/g)).toHaveLength(5);
    expect(html.match(/<tr(?: class="discount")?>\s*<td>\d<\/td>/g)).toHaveLength(5);
    expect(html).toMatch(/<tr class="discount">\s*<td>3<\/td>[\s\S]*?found SPRING10/);
    expect(html).toContain('2 abandoned carts');
    expect(html).toContain('7 products compared');
    expect(html).toContain('checkout page 4.0 s');
  });

  it('draws every attribution model, its shares summing to the whole order', () => {
    for (const model of ATTRIBUTION_MODELS) {
      const group = new RegExp(`<g class="model" data-model="${model}">(.*?)</g>`).exec(html)?.[1];
      expect(group).toBeDefined();
      const weights = [...group!.matchAll(/data-weight="([\d.]+)"/g)].map((m) => Number(m[1]));
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
  });

  it('lists the state history and the ERP and CRM records it is in', () => {
    for (const state of story.state.history.map((h) => h.state))
      expect(html).toContain(`<tr><td>${state}</td>`);
    expect(html).toContain('<strong>sample-erp</strong> order <code>12345</code>');
    expect(html).toContain(
      '<strong>salesforce</strong> CRM record <code>006000000000001AAA</code>',
    );
  });

  it("sets what each system holds against the context's figure for it", () => {
    const held = [
      { connector: 'sample-erp', target: 'om', document: '12345', currency: '', amount: '249.90' },
      {
        connector: 'sample-erp',
        target: 'ar',
        document: 'INV-1',
        currency: 'EUR',
        amount: '100.00',
      },
      {
        connector: 'sample-erp',
        target: 'ar',
        document: 'INV-2',
        currency: 'EUR',
        amount: '149.90',
      },
      {
        connector: 'sample-erp',
        target: 'gl',
        document: 'JE-12345',
        currency: '',
        amount: '210.00',
      },
      { connector: 'salesforce', target: 'crm', document: '006A', currency: '', amount: '224.91' },
      { connector: 'odoo', target: 'om', document: '12345', currency: 'USD', amount: '270.00' },
    ];
    expect(moneyChecks(story, held)).toEqual([
      {
        connector: 'odoo',
        target: 'om',
        documents: ['12345'],
        currency: 'USD',
        held: '270.00',
        context: null,
        difference: null,
        agrees: null,
      },
      {
        connector: 'salesforce',
        target: 'crm',
        documents: ['006A'],
        currency: 'EUR',
        held: '224.91',
        context: '249.90',
        difference: '-24.99',
        agrees: false,
      },
      {
        connector: 'sample-erp',
        target: 'ar',
        documents: ['INV-1', 'INV-2'],
        currency: 'EUR',
        held: '249.90',
        context: '249.90',
        difference: '0.00',
        agrees: true,
      },
      {
        connector: 'sample-erp',
        target: 'gl',
        documents: ['JE-12345'],
        currency: 'EUR',
        held: '210.00',
        context: '210.00',
        difference: '0.00',
        agrees: true,
      },
      {
        connector: 'sample-erp',
        target: 'om',
        documents: ['12345'],
        currency: 'EUR',
        held: '249.90',
        context: '249.90',
        difference: '0.00',
        agrees: true,
      },
    ]);
    const page = renderJourneyPanel(story, [], held);
    expect(page).toMatch(
      /<tr class="differs"><td><strong>salesforce<\/strong> CRM record <code>006A<\/code><\/td><td>224\.91 EUR<\/td><td>249\.90<\/td><td>differs by -24\.99<\/td><\/tr>/,
    );
    expect(page).toContain(
      '<code>INV-1, INV-2</code></td><td>249.90 EUR</td><td>249.90</td><td>agrees</td>',
    );
    expect(page).toContain('<td>270.00 USD</td><td>—</td><td>not compared</td>');
    // Without readings, no table.
    expect(html).not.toContain('class="money"');
  });

  it('loads nothing from elsewhere and runs no script', () => {
    expect(html).not.toMatch(/<script|https?:\/\/|\son\w+=/i);
    expect(html).toContain('<link rel="stylesheet" href="/panel/assets/panel.css">');
  });

  it('escapes whatever the events carried', () => {
    const hostile = {
      ...story,
      order: {
        ...story.order,
        orderId: '<script>alert(1)</script>',
        customerId: '" onmouseover="x',
      },
    };
    const page = renderJourneyPanel(hostile, [
      { connector: 'x', target: 'om', id: "<img src=x onerror='y'>" },
    ]);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('names paid touches by their ad platform, others by their channel', () => {
    const touch = { session: 1, at: '2026-03-11T16:00:00Z', campaign: null, medium: 'cpc' };
    expect(touchLabel({ ...touch, channel: Channel.PaidSearch, source: 'google' })).toBe(
      'Google Ads',
    );
    expect(touchLabel({ ...touch, channel: Channel.PaidSocial, source: 'Instagram' })).toBe(
      'Meta Ads',
    );
    expect(touchLabel({ ...touch, channel: Channel.PaidSearch, source: 'duckduckgo' })).toBe(
      'paid-search',
    );
    expect(touchLabel({ ...touch, channel: Channel.OrganicSearch, source: 'google' })).toBe(
      'organic-search',
    );
  });

  it('says a context not assembled yet is on its way, lists its records, and reloads itself', () => {
    const page = renderPendingPanel('ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa', [
      { connector: 'sample-erp', target: 'om', id: '<b>12345</b>' },
    ]);
    expect(page).toContain('<h1>Journey being assembled</h1>');
    expect(page).toContain(`<meta http-equiv="refresh" content="${PENDING_RELOAD_SECONDS}">`);
    expect(page).toContain('<code>ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa</code>');
    expect(page).toContain(
      '<strong>sample-erp</strong> order <code>&lt;b&gt;12345&lt;/b&gt;</code>',
    );
    expect(page).not.toMatch(/<script|https?:\/\/|\son\w+=/i);
    expect(renderPendingPanel('ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa', [])).toContain(
      'Not written into an ERP or CRM yet.',
    );
  });
});
