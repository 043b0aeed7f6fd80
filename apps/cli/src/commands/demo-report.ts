import { roundMoney, type ContextRecord, type IntentReport } from '@ctxb/context';
import type {
  AttributionModels,
  ChannelReport,
  CheckoutPerformance,
  RevenueAttribution,
} from '@ctxb/store';

/** The gateway's answers the demo report is made of (each as the API returns it). */
export interface DemoAnswers {
  period: { from: string; to: string };
  story: ContextRecord;
  channels: ChannelReport;
  models: AttributionModels;
  checkout: { baselineMs: number; currencies: CheckoutPerformance[] };
  revenue: RevenueAttribution;
  intent: IntentReport;
}

/** Asks the gateway every question of the demo report, with the demo API key. */
export async function fetchDemoAnswers(
  gatewayUrl: string,
  apiKey: string,
  storyOrderId: string,
  period: { from: string; to: string },
): Promise<DemoAnswers> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const range = `from=${period.from}&to=${period.to}`;
  const [story, channels, models, checkout, revenue, intent] = await Promise.all([
    get<{ context: ContextRecord }>(`/v1/contexts/by-order/${encodeURIComponent(storyOrderId)}`),
    get<ChannelReport>(`/v1/reports/channels?${range}&model=linear`),
    get<AttributionModels>(`/v1/reports/attribution-models?${range}`),
    get<DemoAnswers['checkout']>(`/v1/reports/checkout-performance?${range}`),
    get<RevenueAttribution>(`/v1/reports/revenue-attribution?${range}&model=linear&by=campaign`),
    get<IntentReport>(`/v1/reports/intent-signals?${range}`),
  ]);
  return { period, story: story.context, channels, models, checkout, revenue, intent };
}

/** The demo's answers to the design's questions, as text for a terminal. Pure. */
export function renderDemoReport(a: DemoAnswers): string {
  return [
    storySection(a.story),
    cacSection(a),
    touchpointSection(a),
    checkoutSection(a),
    revenueSection(a),
    intentSection(a.intent),
  ].join('\n\n');
}

function storySection(r: ContextRecord): string {
  const touches = new Map(r.journey.touchpoints.map((t) => [t.session, t]));
  const s = r.signals;
  const found = s.discount?.foundInSession ? ` found in session ${s.discount.foundInSession}` : '';
  const linear = [...r.attribution.linear]
    .sort((x, y) => y.weight - x.weight)
    .map((w) => `${w.channel}${w.campaign ? ` (${w.campaign})` : ''} ${percent(w.weight)}`)
    .join(', ');
  return [
    `Why did order ${r.order.orderId} convert?`,
    `  ${money(r.order.total)} ${r.order.currency ?? ''} placed ${minute(r.order.placedAt)} by ${r.order.customerId ?? 'a guest'}: ` +
      `${r.sessions.count} sessions over ${r.journey.daysToConvert ?? 0} days since the first touch`,
    table(
      ['session', 'started', 'channel', 'campaign', 'pages', 'products', 'cart changes'],
      r.sessions.items.map((x) => [
        String(x.index),
        minute(x.startedAt),
        x.channel,
        touches.get(x.index)?.campaign ?? '—',
        String(x.pageViews),
        String(x.productInteractions),
        String(x.cartModifications),
      ]),
      '  ',
    ),
    `  signals: ${s.cartAbandons} abandoned carts, ${s.productsCompared} products compared, ${s.reviewsRead} reviews read, ` +
      `${Math.round(s.productPageActiveMs / 60_000)} min on product pages, checkout page ${seconds(s.checkoutPageLoadMs)}` +
      (s.discount ? `, ${s.discount.code}${found}` : ''),
    `  credit (linear): ${linear || 'no touchpoints'}`,
    `  since: ${r.state.history.map((h) => h.state).join(' → ')}` +
      (r.correlations.invoices.length ? `; invoice ${r.correlations.invoices.join(', ')}` : '') +
      (r.correlations.journals.length ? `; journal ${r.correlations.journals.join(', ')}` : ''),
  ].join('\n');
}

function cacSection(a: DemoAnswers): string {
  const lines = [
    `True CAC by channel (${a.period.from} to ${a.period.to}; CAC = spend ÷ new customers)`,
  ];
  for (const c of a.channels.currencies)
    lines.push(
      table(
        ['channel', `spend ${c.currency}`, 'new customers', 'CAC', 'revenue', 'ROI'],
        c.channels.map((x) => [
          x.channel,
          money(x.spend),
          String(x.newCustomers),
          money(x.cac),
          money(x.revenue),
          x.roi === null ? '—' : `${(x.roi * 100).toFixed(0)} %`,
        ]),
        '  ',
      ),
    );
  return lines.join('\n');
}

function touchpointSection(a: DemoAnswers): string {
  const share = (model: string, channel: string) =>
    a.models.models.find((m) => m.model === model)?.channels.find((c) => c.channel === channel)
      ?.share ?? 0;
  const touches = new Map(
    a.channels.currencies.flatMap((c) => c.channels.map((x) => [x.channel, x.touches] as const)),
  );
  const channels = [
    ...new Set(a.models.models.flatMap((m) => m.channels.map((c) => c.channel))),
  ].sort((x, y) => share('markov', y) - share('markov', x) || x.localeCompare(y));
  const { converting, nonConverting } = a.models.journeys;
  return [
    `Which touchpoints matter (share of conversions; Markov over ${converting} converting and ${nonConverting} other journeys)`,
    table(
      ['channel', 'markov', 'last-click', 'first-touch', 'linear', 'opened', 'assisted', 'closed'],
      channels.map((channel) => [
        channel,
        percent(share('markov', channel)),
        percent(share('last-touch', channel)),
        percent(share('first-touch', channel)),
        percent(share('linear', channel)),
        percent(touches.get(channel)?.first ?? 0),
        percent(touches.get(channel)?.assisted ?? 0),
        percent(touches.get(channel)?.last ?? 0),
      ]),
      '  ',
    ),
  ].join('\n');
}

function checkoutSection(a: DemoAnswers): string {
  const lines = ['What slow checkout costs (page load over 5 s against under 2 s)'];
  for (const c of a.checkout.currencies)
    lines.push(
      `  ${c.slow.orders} of ${c.orders} orders had a slow checkout; average order ${money(c.slow.averageOrderValue)} ${c.currency} ` +
        `against ${money(c.fast.averageOrderValue)} ${c.currency} when fast` +
        (c.slowHesitationRatio === null
          ? ''
          : `; slow shoppers took ${c.slowHesitationRatio.toFixed(1)}× the usual time to order`),
      `  estimated gain from fixing it: ${money(c.estimatedMonthlyGain)} ${c.currency} a month`,
      ...(c.medianCheckoutToOrderMs === null
        ? []
        : [
            `  half the orders went from checkout to order within ${seconds(c.medianCheckoutToOrderMs)} ` +
              `(the hesitation baseline is ${seconds(a.checkout.baselineMs)})`,
          ]),
    );
  if (a.checkout.currencies.length === 0) lines.push('  no orders with a measured checkout');
  return lines.join('\n');
}

function revenueSection(a: DemoAnswers): string {
  const lines = ['Revenue by campaign across AR, GL and CRM (linear attribution; gross / net)'];
  const both = (x: { gross: string; net: string }) => `${money(x.gross)} / ${money(x.net)}`;
  for (const total of a.revenue.totals) {
    const rows = a.revenue.rows.filter((r) => r.currency === total.currency);
    lines.push(
      table(
        ['campaign', 'orders', `shop ${total.currency}`, 'AR invoiced', 'GL revenue', 'CRM'],
        [...rows, { ...total, key: 'total' }].map((r) => [
          r.key ?? '(no campaign)',
          r.orders.toFixed(1),
          both(r.ordered),
          both(r.invoiced),
          both(r.postedRevenue),
          r.crm ? `${money(r.crm.amount)} (${r.crm.orders.toFixed(1)} orders)` : 'not reported',
        ]),
        '  ',
      ),
    );
  }
  return lines.join('\n');
}

function intentSection(r: IntentReport): string {
  return [
    `High-intent signals against close rate (${r.journeys} journeys, ${percent(r.closeRate ?? 0)} ordered)`,
    table(
      ['signal', 'journeys', 'close rate', 'without it', 'lift'],
      r.signals
        .filter((s) => s.journeys > 0)
        .map((s) => [
          s.description,
          String(s.journeys),
          percent(s.closeRate ?? 0),
          percent(s.closeRateWithout ?? 0),
          s.lift === null ? '—' : `${s.lift.toFixed(2)}×`,
        ]),
      '  ',
    ),
  ].join('\n');
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
export function table(headers: string[], rows: string[][], indent = ''): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const money = (amount: string | null) => (amount === null ? '—' : (roundMoney(amount) ?? amount));
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const seconds = (ms: number | null) =>
  ms === null ? 'not measured' : `${(ms / 1000).toFixed(1)} s`;
