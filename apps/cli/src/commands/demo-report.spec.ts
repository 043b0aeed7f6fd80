import { ContextEngine, signalCloseRates, type ContextRecord } from '@ctxb/context';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { renderDemoReport, table, type DemoAnswers } from './demo-report';

/** The story's newest context, as the pure engine makes it. */
function storyRecord(): ContextRecord {
  const engine = new ContextEngine();
  const records = order12345Events().flatMap((e) => engine.ingest(e).records);
  const all = [...records, ...engine.drain()];
  return all[all.length - 1];
}

const amounts = (gross: string, net = gross) => ({ gross, net });

function answers(): DemoAnswers {
  return {
    period: { from: '2026-03-01', to: '2026-05-01' },
    story: storyRecord(),
    channels: {
      conversions: 2,
      averageTouchpointsPerConversion: 3,
      currencies: [
        {
          currency: 'EUR',
          channels: [
            {
              channel: 'paid-search',
              orders: 1.5,
              revenue: '300.00',
              spend: '200.00',
              newCustomers: 2,
              cac: '100.00',
              roi: 0.5,
              touches: { first: 1, assisted: 0.5, last: 0.5 },
            },
            {
              channel: 'email',
              orders: 0.5,
              revenue: '50.00',
              spend: '0.00',
              newCustomers: 0,
              cac: null,
              roi: null,
              touches: { first: 0, assisted: 0.5, last: 0.5 },
            },
          ],
          campaigns: [],
        },
      ],
    },
    models: {
      journeys: { converting: 2, nonConverting: 8 },
      conversionProbability: 0.2,
      models: [
        {
          model: 'markov',
          channels: [
            { channel: 'email', share: 0.25 },
            { channel: 'paid-search', share: 0.75 },
          ],
        },
        {
          model: 'last-touch',
          channels: [
            { channel: 'email', share: 0.5 },
            { channel: 'paid-search', share: 0.5 },
          ],
        },
      ],
    },
    checkout: {
      baselineMs: 90_000,
      currencies: [
        {
          currency: 'EUR',
          orders: 10,
          slow: { orders: 3, revenue: '240', averageOrderValue: '80' },
          fast: { orders: 5, revenue: '1000', averageOrderValue: '200' },
          slowHesitationRatio: 2,
          medianCheckoutToOrderMs: 74_000,
          estimatedMonthlyGain: '360',
        },
      ],
    },
    revenue: {
      rows: [
        {
          currency: 'EUR',
          key: 'spring-espresso',
          orders: 1.5,
          ordered: amounts('300.00', '250.00'),
          invoiced: amounts('300.00'),
          postedRevenue: amounts('252.10'),
          crm: null,
          differences: {
            invoicedMinusOrdered: amounts('0.00'),
            postedMinusInvoiced: amounts('-47.90'),
          },
        },
        {
          currency: 'EUR',
          key: null,
          orders: 0.5,
          ordered: amounts('50.00'),
          invoiced: amounts('50.00'),
          postedRevenue: amounts('42.02'),
          crm: { amount: '45.00', orders: 0.5 },
          differences: {
            invoicedMinusOrdered: amounts('0.00'),
            postedMinusInvoiced: amounts('-7.98'),
          },
        },
      ],
      totals: [
        {
          currency: 'EUR',
          orders: 2,
          ordered: amounts('350.00', '300.00'),
          invoiced: amounts('350.00'),
          postedRevenue: amounts('294.12'),
          crm: { amount: '45.00', orders: 0.5 },
          differences: {
            invoicedMinusOrdered: amounts('0.00'),
            postedMinusInvoiced: amounts('-55.88'),
          },
        },
      ],
      page: { limit: 100, offset: 0, hasMore: false },
    },
    intent: signalCloseRates([
      { signals: ['started-checkout'], converted: true },
      { signals: ['started-checkout'], converted: false },
      { signals: [], converted: false },
      { signals: [], converted: false },
    ]),
  };
}

describe('renderDemoReport', () => {
  const report = renderDemoReport(answers());

  it("tells the story order's journey: sessions, signals, credit and what happened since", () => {
    expect(report).toContain(
      `Why did order 12345 convert?\n  ${ORDER_12345.total} EUR placed 2026-03-14 16:05 UTC by ${ORDER_12345.customerId}: 5 sessions over 3 days since the first touch`,
    );
    expect(report).toMatch(/^ {2}1 +2026-03-11 16:\d\d UTC +paid-search +spring-espresso/m);
    expect(report).toContain(
      '2 abandoned carts, 7 products compared, 3 reviews read, 12 min on product pages',
    );
    expect(report).toContain('checkout page 4.0 s, SPRING10 found in session 3');
    expect(report).toContain('since: placed → paid → shipped → delivered; invoice INV-12345');
  });

  it('puts CAC, touchpoint shares, slow checkout cost, revenue by module and intent in tables', () => {
    expect(report).toMatch(/^ {2}paid-search +200\.00 +2 +100\.00 +300\.00 +50 %$/m);
    expect(report).toMatch(/^ {2}email +0\.00 +0 +— +50\.00 +—$/m);
    // Attributed money is exact to the micro; shown to the cent.
    expect(report).toContain('average order 80.00 EUR against 200.00 EUR when fast');
    // Highest Markov share first; last-click beside it.
    expect(report).toMatch(/^ {2}paid-search +75\.0 % +50\.0 % /m);
    expect(report.search(/^ {2}paid-search +75\.0 %/m)).toBeLessThan(
      report.search(/^ {2}email +25\.0 %/m),
    );
    expect(report).toContain('Markov over 2 converting and 8 other journeys');
    expect(report).toContain('3 of 10 orders had a slow checkout; average order 80.00 EUR');
    expect(report).toContain('estimated gain from fixing it: 360.00 EUR a month');
    expect(report).toContain(
      'half the orders went from checkout to order within 74.0 s (the hesitation baseline is 90.0 s)',
    );
    expect(report).toMatch(
      /^ {2}spring-espresso +1\.5 +300\.00 \/ 250\.00 +300\.00 \/ 300\.00 +252\.10 \/ 252\.10 +not reported$/m,
    );
    // What the CRM holds, over the orders it reported.
    expect(report).toMatch(/^ {2}\(no campaign\) +0\.5 .* 45\.00 \(0\.5 orders\)$/m);
    expect(report).toMatch(/^ {2}total +2\.0 +350\.00 \/ 300\.00 .* 45\.00 \(0\.5 orders\)$/m);
    expect(report).toContain('High-intent signals against close rate (4 journeys, 25.0 % ordered)');
    expect(report).toMatch(/^ {2}started the checkout +2 +50\.0 % +0\.0 % +2\.00×$/m);
  });
});

describe('table', () => {
  it('pads each column to its widest cell, text left and figures right', () => {
    expect(
      table(
        ['name', 'n'],
        [
          ['a', '10'],
          ['long name', '2'],
        ],
      ),
    ).toBe(['name        n', 'a          10', 'long name   2'].join('\n'));
  });
});
