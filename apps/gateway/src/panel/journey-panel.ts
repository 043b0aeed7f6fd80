import {
  ATTRIBUTION_MODELS,
  fromMicros,
  toMicros,
  type ContextRecord,
  type Touchpoint,
} from '@ctxb/context';
import { Channel } from '@ctxb/events';

/** An ERP or CRM record a context was written into (from the delivery log). */
export interface LinkedRecord {
  connector: string;
  target: string;
  id: string;
}

/** What an ERP or CRM module holds of the order's money, as the worker read it back. */
export interface HeldAmount {
  connector: string;
  target: string;
  document: string;
  /** ISO code; empty when the system names none (taken as the order's). */
  currency: string;
  amount: string;
}

/** One system's figure for the order against the context's, in the order's currency. */
export interface MoneyCheck {
  connector: string;
  target: string;
  documents: string[];
  currency: string;
  held: string;
  /** The context's figure for that module; null when the system holds another currency. */
  context: string | null;
  /** held − context; null without a context figure. */
  difference: string | null;
  /** Whether they are equal; null without a context figure. */
  agrees: boolean | null;
}

const TARGET_NAMES: Record<string, string> = {
  om: 'order',
  ar: 'invoice',
  gl: 'journal',
  crm: 'CRM record',
};

/** Text for HTML: the five characters that could end a text or attribute, escaped. */
export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const DAY = 86_400_000;
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
/** A time spent, in the unit that reads best: minutes, hours or days. */
const duration = (ms: number) =>
  ms < 90 * 60_000
    ? minutes(ms)
    : ms < 48 * 3_600_000
      ? `${(ms / 3_600_000).toFixed(1)} h`
      : `${(ms / DAY).toFixed(1)} days`;
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const percent = (weight: number) => `${(weight * 100).toFixed(1)} %`;

/** Ad platforms by the source of a paid touch (utm_source), as people name them. */
const AD_PLATFORMS: [RegExp, string][] = [
  [/^(google|adwords|googleads)$/i, 'Google Ads'],
  [/^(bing|microsoft)$/i, 'Microsoft Ads'],
  [/^(facebook|instagram|meta|fb|ig)$/i, 'Meta Ads'],
  [/^linkedin$/i, 'LinkedIn Ads'],
  [/^tiktok$/i, 'TikTok Ads'],
];

/** A touchpoint as people say it: the ad platform of a paid touch, else its channel. */
export function touchLabel(touch: Touchpoint): string {
  if (touch.channel === Channel.PaidSearch || touch.channel === Channel.PaidSocial)
    for (const [source, platform] of AD_PLATFORMS) if (source.test(touch.source)) return platform;
  return touch.channel;
}

/** A channel's colour, the same on every chart of the page. */
function colour(channel: string, channels: string[]): string {
  const hue = Math.round((channels.indexOf(channel) * 360) / Math.max(1, channels.length));
  return `hsl(${hue} 55% 48%)`;
}

/**
 * The journey panel of one context, as a whole HTML page (pure): the order, a timeline of its
 * sessions and touchpoints across days, attribution per model as a chart, the signals, the
 * order's state history, the ERP and CRM records it is linked to and the money they hold
 * against the context's (see moneyChecks). Styles come from
 * `/panel/assets/panel.css`; no script, no external asset.
 */
export function renderJourneyPanel(
  record: ContextRecord,
  linked: readonly LinkedRecord[],
  held: readonly HeldAmount[] = [],
): string {
  const e = escapeHtml;
  const { order, journey, signals } = record;
  const sessions = record.sessions.items;
  const channels = [
    ...new Set(
      ATTRIBUTION_MODELS.flatMap((m) => record.attribution[m].map((w) => w.channel)).concat(
        sessions.map((s) => s.channel),
      ),
    ),
  ].sort();
  const touchOf = (index: number) => journey.touchpoints.find((t) => t.session === index);
  const channelCell = (index: number, channel: string) => {
    const touch = touchOf(index);
    const label = touch ? touchLabel(touch) : channel;
    return label === channel ? channel : `${channel} (${label})`;
  };
  const campaignOf = (index: number) => touchOf(index)?.campaign ?? null;
  const discountSession = signals.discount?.foundInSession ?? null;

  const rows = sessions
    .map(
      (s) => `<tr${s.index === discountSession ? ' class="discount"' : ''}>
        <td>${s.index}</td><td>${e(utc(s.startedAt))}</td>
        <td>${e(channelCell(s.index, s.channel))}</td>
        <td>${e(campaignOf(s.index) ?? '—')}</td>
        <td>${s.pageViews}</td><td>${s.productInteractions}</td><td>${s.cartModifications}</td>
        <td>${e(minutes(s.activeMs))}</td>
        <td>${s.index === discountSession ? `found ${e(signals.discount!.code)}` : ''}</td></tr>`,
    )
    .join('');

  const states = record.state.history
    .map(
      (h) =>
        `<tr><td>${e(h.state)}</td><td>${e(utc(h.enteredAt))}</td><td>${e(h.trigger)}</td><td>${
          h.timeSpentMs === null ? 'now' : e(duration(h.timeSpentMs))
        }</td></tr>`,
    )
    .join('');

  const links = linkedList(linked);

  const signalItems = [
    `${signals.cartAbandons} abandoned carts`,
    `${signals.productsCompared} products compared`,
    `${signals.reviewsRead} reviews read`,
    `${minutes(signals.productPageActiveMs)} on product pages`,
    signals.checkoutPageLoadMs === null
      ? null
      : `checkout page ${(signals.checkoutPageLoadMs / 1000).toFixed(1)} s`,
    signals.checkoutErrors.count ? `${signals.checkoutErrors.count} checkout errors` : null,
    signals.discount
      ? `discount ${signals.discount.code}${
          signals.discount.foundInSession
            ? ` found in session ${signals.discount.foundInSession}`
            : ''
        }`
      : null,
  ].filter((s): s is string => s !== null);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Journey of order ${e(order.orderId)}</title>
<link rel="stylesheet" href="/panel/assets/panel.css">
</head><body>
<header>
  <h1>Order ${e(order.orderId)}</h1>
  <p>${e(order.total ?? '—')} ${e(order.currency ?? '')} placed ${e(utc(order.placedAt))}${
    order.customerId ? ` by ${e(order.customerId)}` : ''
  } · ${record.sessions.count} sessions over ${journey.daysToConvert ?? 0} days · first touch ${
    journey.firstTouch
      ? `${e(touchLabel(journey.firstTouch))}${
          journey.firstTouch.campaign ? ` (${e(journey.firstTouch.campaign)})` : ''
        }`
      : '—'
  }</p>
  <p class="muted"><code>${e(record.contextReferenceId)}</code> version ${record.version} · data quality ${Math.round(
    record.quality.score * 100,
  )} %</p>
</header>
<section id="timeline"><h2>Journey</h2>${timeline(record, channels)}
<table class="sessions"><thead><tr><th>#</th><th>started</th><th>channel</th><th>campaign</th><th>pages</th><th>products</th><th>cart changes</th><th>active</th><th></th></tr></thead><tbody>${rows}</tbody></table></section>
<section id="attribution"><h2>Attribution</h2>${attributionChart(record, channels)}</section>
<section id="signals"><h2>Signals</h2><ul>${signalItems.map((s) => `<li>${e(s)}</li>`).join('')}</ul></section>
<section id="states"><h2>Order state</h2><table><thead><tr><th>state</th><th>since</th><th>moved by</th><th>time in it</th></tr></thead><tbody>${states}</tbody></table></section>
<section id="documents"><h2>ERP and CRM records</h2>${links}${moneyTable(moneyChecks(record, held))}</section>
<footer class="muted">Context Bridge · as of ${e(utc(record.asOf))}</footer>
</body></html>`;
}

/**
 * Per connector and module, what the system holds of the order (its documents' newest
 * readings, summed per currency) against the context's figure for it: the order total (an
 * ERP order, a CRM record), the invoiced amount (AR), revenue credited less debited (GL). A
 * reading without a currency is in the order's; one in another currency is not compared.
 */
export function moneyChecks(record: ContextRecord, held: readonly HeldAmount[]): MoneyCheck[] {
  const a = record.amounts;
  const orderCurrency = a.currency ?? record.order.currency ?? '';
  const toBig = (value: string | null) => BigInt(toMicros(value) ?? '0');
  const contextFigure = (target: string): bigint | null => {
    if (target === 'om' || target === 'crm') return a.ordered === null ? null : toBig(a.ordered);
    if (target === 'ar') return toBig(a.invoiced);
    if (target === 'gl') return toBig(a.revenueCredited) - toBig(a.revenueDebited);
    return null;
  };
  const groups = new Map<string, { documents: Set<string>; micros: bigint; h: HeldAmount }>();
  for (const h of held) {
    const currency = h.currency === '' ? orderCurrency : h.currency;
    const key = `${h.connector}|${h.target}|${currency}`;
    const group = groups.get(key) ?? {
      documents: new Set<string>(),
      micros: 0n,
      h: { ...h, currency },
    };
    group.documents.add(h.document);
    group.micros += toBig(h.amount);
    groups.set(key, group);
  }
  return [...groups]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([, { documents, micros, h }]) => {
      const figure = h.currency === orderCurrency ? contextFigure(h.target) : null;
      return {
        connector: h.connector,
        target: h.target,
        documents: [...documents].sort(),
        currency: h.currency,
        held: fromMicros(micros, 2),
        context: figure === null ? null : fromMicros(figure, 2),
        difference: figure === null ? null : fromMicros(micros - figure, 2),
        agrees: figure === null ? null : micros === figure,
      };
    });
}

/** The money checks as a table: agreeing rows marked so, differences shown with their sign. */
function moneyTable(checks: readonly MoneyCheck[]): string {
  const e = escapeHtml;
  if (checks.length === 0) return '';
  const rows = checks
    .map((c) => {
      const verdict =
        c.agrees === null ? 'not compared' : c.agrees ? 'agrees' : `differs by ${c.difference}`;
      return `<tr class="${c.agrees === false ? 'differs' : c.agrees ? 'agrees' : 'other'}"><td><strong>${e(c.connector)}</strong> ${e(
        TARGET_NAMES[c.target] ?? c.target,
      )} <code>${e(c.documents.join(', '))}</code></td><td>${e(c.held)} ${e(c.currency)}</td><td>${e(
        c.context ?? '—',
      )}</td><td>${e(verdict)}</td></tr>`;
    })
    .join('');
  return `<p class="muted">What each system holds of the order, read back after linking, against the context:</p><table class="money"><thead><tr><th>held in</th><th>amount</th><th>context</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The ERP and CRM records a context's reference was written into, as a list. */
function linkedList(linked: readonly LinkedRecord[]): string {
  const e = escapeHtml;
  return linked.length
    ? `<ul>${linked
        .map(
          (l) =>
            `<li><strong>${e(l.connector)}</strong> ${e(TARGET_NAMES[l.target] ?? l.target)} <code>${e(l.id)}</code></li>`,
        )
        .join('')}</ul>`
    : '<p class="muted">Not written into an ERP or CRM yet.</p>';
}

/** How often the page of a context not assembled yet reloads itself. */
export const PENDING_RELOAD_SECONDS = 30;

/**
 * The page a signed link opens before its context is stored (pure): an ERP record linked on
 * placement carries the reference minutes before the engine has assembled the journey (it
 * waits for late events). It says so, lists the records the reference is already in, and
 * reloads itself until the journey is there. No script: a meta refresh.
 */
export function renderPendingPanel(reference: string, linked: readonly LinkedRecord[]): string {
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${PENDING_RELOAD_SECONDS}">
<title>Journey being assembled</title>
<link rel="stylesheet" href="/panel/assets/panel.css">
</head><body>
<header>
  <h1>Journey being assembled</h1>
  <p>This order's journey is not assembled yet: Context Bridge waits a few minutes for late
  events before it builds it. This page reloads every ${PENDING_RELOAD_SECONDS} seconds until it
  is there. If it never appears, the order's events have not reached Context Bridge.</p>
  <p class="muted"><code>${e(reference)}</code></p>
</header>
<section id="documents"><h2>ERP and CRM records</h2>${linkedList(linked)}</section>
</body></html>`;
}

/** Sessions as bars on a time axis from the first session's day to the order, day ticks below. */
function timeline(record: ContextRecord, channels: string[]): string {
  const sessions = record.sessions.items;
  const placed = Date.parse(record.order.placedAt);
  const start = sessions.length
    ? Math.floor(Date.parse(sessions[0].startedAt) / DAY) * DAY
    : Math.floor(placed / DAY) * DAY;
  const end = Math.ceil((placed + 1) / DAY) * DAY;
  const width = 720;
  const x = (ms: number) => 20 + ((ms - start) / (end - start)) * (width - 40);
  const ticks: string[] = [];
  for (let day = start; day <= end; day += DAY)
    ticks.push(
      `<line x1="${x(day)}" y1="20" x2="${x(day)}" y2="78" class="tick"/>` +
        // Each day labelled at its start; the closing line has no day after it.
        (day < end
          ? `<text x="${x(day) + 3}" y="94" class="label">${new Date(day).toISOString().slice(5, 10)}</text>`
          : ''),
    );
  const bars = sessions
    .map((s) => {
      const from = x(Date.parse(s.startedAt));
      const to = Math.max(from + 6, x(Date.parse(s.endedAt)));
      return `<g class="session" data-session="${s.index}"><rect x="${from.toFixed(1)}" y="34" width="${(to - from).toFixed(1)}" height="24" rx="3" fill="${colour(s.channel, channels)}"><title>Session ${s.index}: ${escapeHtml(s.channel)}</title></rect><text x="${from.toFixed(1)}" y="30" class="label">${s.index}</text></g>`;
    })
    .join('');
  const order = `<g class="order"><line x1="${x(placed).toFixed(1)}" y1="24" x2="${x(placed).toFixed(1)}" y2="70" class="placed"/><text x="${(x(placed) + 4).toFixed(1)}" y="76" class="label">order</text></g>`;
  return `<svg viewBox="0 0 ${width} 100" role="img" aria-label="Sessions from the first touch to the order">${ticks.join('')}${bars}${order}</svg>`;
}

/** Per model, one bar of the channels' shares of the order, labelled. */
function attributionChart(record: ContextRecord, channels: string[]): string {
  const width = 720;
  const barWidth = width - 180;
  const rows = ATTRIBUTION_MODELS.map((model, i) => {
    const byChannel = new Map<string, number>();
    for (const w of record.attribution[model])
      byChannel.set(w.channel, (byChannel.get(w.channel) ?? 0) + w.weight);
    let at = 170;
    const parts = [...byChannel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, weight]) => {
        const w = weight * barWidth;
        const part = `<rect x="${at.toFixed(1)}" y="${i * 30 + 6}" width="${w.toFixed(1)}" height="20" fill="${colour(channel, channels)}" data-channel="${escapeHtml(channel)}" data-weight="${weight.toFixed(4)}"><title>${escapeHtml(channel)} ${percent(weight)}</title></rect>`;
        at += w;
        return part;
      })
      .join('');
    return `<g class="model" data-model="${model}"><text x="0" y="${i * 30 + 21}" class="label">${model}</text>${parts}</g>`;
  }).join('');
  const legend = channels
    .map(
      (c, i) =>
        `<g><rect x="${170 + (i % 4) * 140}" y="${ATTRIBUTION_MODELS.length * 30 + 8 + Math.floor(i / 4) * 18}" width="12" height="12" fill="${colour(c, channels)}"/><text x="${186 + (i % 4) * 140}" y="${ATTRIBUTION_MODELS.length * 30 + 18 + Math.floor(i / 4) * 18}" class="label">${escapeHtml(c)}</text></g>`,
    )
    .join('');
  const height = ATTRIBUTION_MODELS.length * 30 + 14 + Math.ceil(channels.length / 4) * 18;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Attribution of the order per model and channel">${rows}${legend}</svg>`;
}

/** The panel's stylesheet, served at /panel/assets/panel.css (screen and print). */
export const PANEL_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 760px; padding: 16px; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 20px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.muted { color: #59636e; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eaeef2; }
tr.discount td { background: #fff8c5; }
table.money tr.differs td:last-child { color: #9a6700; font-weight: 600; }
table.money tr.agrees td:last-child { color: #1a7f37; }
svg { width: 100%; height: auto; }
svg .label { font-size: 11px; fill: #59636e; }
svg .tick { stroke: #eaeef2; }
svg .placed { stroke: #1f2328; stroke-width: 2; }
code { font-size: 12px; }
footer { margin-top: 16px; }
@media print { body { max-width: none; padding: 0; } section { break-inside: avoid; } }
`;
