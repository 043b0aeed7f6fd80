import { Channel, type ChannelRule, type Touch } from './channel';

/**
 * Classifies a visit into a marketing channel from its UTM parameters, ad click ids and
 * referrer, the way the default channel groupings of web analytics tools do. Pure: the
 * same input always gives the same touch.
 *
 * 1. Source and medium: UTM first; else an ad click id (gclid → google/cpc, msclkid →
 *    bing/cpc, …); else the referrer (search engine → organic, social site → social,
 *    another site → referral; the shop's own host → no new touch); else (direct)/(none).
 * 2. Channel: configured rules in order, then the default grouping in its published order.
 */

export interface VisitInput {
  /** The landing URL (query string read for utm_* and click ids). */
  url?: string;
  /** Explicit UTM parameters (as sent by the tracker); win over the URL's. */
  utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  referrer?: string;
  /** Hosts of the shop itself: a referrer from them is internal navigation. */
  ownHosts?: string[];
}

export interface ClassifierOptions {
  rules?: ChannelRule[];
}

const SEARCH = [
  'google',
  'bing',
  'yahoo',
  'baidu',
  'duckduckgo',
  'yandex',
  'ecosia',
  'naver',
  'ask',
  'aol',
  'qwant',
  'startpage',
  'brave',
  'seznam',
  'sogou',
  'search',
  'msn',
];
const SOCIAL = [
  'facebook',
  'fb',
  'instagram',
  'ig',
  'twitter',
  'x.com',
  't.co',
  'linkedin',
  'lnkd.in',
  'pinterest',
  'reddit',
  'tiktok',
  'snapchat',
  'vk',
  'weibo',
  'quora',
  'tumblr',
  'threads',
  'mastodon',
  'whatsapp',
  'telegram',
  'discord',
  'messenger',
  'social',
];
const VIDEO = ['youtube', 'youtu.be', 'vimeo', 'twitch', 'dailymotion', 'wistia'];
const SHOPPING = [
  'amazon',
  'ebay',
  'etsy',
  'walmart',
  'idealo',
  'shopzilla',
  'pricegrabber',
  'shopping',
  'google shopping',
  'shopify',
];

const CLICK_IDS: { param: string; source: string; medium: string }[] = [
  { param: 'gclid', source: 'google', medium: 'cpc' },
  { param: 'gbraid', source: 'google', medium: 'cpc' },
  { param: 'wbraid', source: 'google', medium: 'cpc' },
  { param: 'dclid', source: 'google', medium: 'display' },
  { param: 'msclkid', source: 'bing', medium: 'cpc' },
  { param: 'ttclid', source: 'tiktok', medium: 'paid-social' },
  { param: 'twclid', source: 'twitter', medium: 'paid-social' },
  { param: 'li_fat_id', source: 'linkedin', medium: 'paid-social' },
  { param: 'sccid', source: 'snapchat', medium: 'paid-social' },
  // fbclid is added to organic shares too, so it says "facebook", not "paid".
  { param: 'fbclid', source: 'facebook', medium: 'social' },
];

const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOP_CAMPAIGN = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const EMAIL = /^(email|e-mail|e_mail|e mail|newsletter)$/;

export function classifyVisit(visit: VisitInput, options: ClassifierOptions = {}): Touch {
  const fromUrl = queryOf(visit.url);
  const utm = {
    source: visit.utm?.source ?? fromUrl.get('utm_source') ?? undefined,
    medium: visit.utm?.medium ?? fromUrl.get('utm_medium') ?? undefined,
    campaign: visit.utm?.campaign ?? fromUrl.get('utm_campaign') ?? undefined,
    term: visit.utm?.term ?? fromUrl.get('utm_term') ?? undefined,
    content: visit.utm?.content ?? fromUrl.get('utm_content') ?? undefined,
  };
  const clickId = CLICK_IDS.find((c) => fromUrl.has(c.param));
  const referrerHost = hostOf(visit.referrer);
  const internal =
    referrerHost !== undefined && (visit.ownHosts ?? []).some((h) => sameSite(h, referrerHost));

  let source: string;
  let medium: string;
  if (utm.source || utm.medium) {
    source = normalize(utm.source ?? clickId?.source ?? referrerHost ?? '(not set)');
    medium = normalize(utm.medium ?? clickId?.medium ?? '(not set)');
  } else if (clickId) {
    source = clickId.source;
    medium = clickId.medium;
  } else if (referrerHost && !internal) {
    source = referrerHost;
    medium = matchesSite(referrerHost, SEARCH)
      ? 'organic'
      : matchesSite(referrerHost, SOCIAL)
        ? 'social'
        : 'referral';
  } else {
    source = '(direct)';
    medium = '(none)';
  }
  const campaign = utm.campaign ? utm.campaign.trim() : undefined;
  const channel =
    ruleChannel(options.rules ?? [], source, medium, campaign) ??
    defaultChannel(source, medium, campaign ?? '');
  return stripUndefined({
    channel,
    source,
    medium,
    campaign,
    term: utm.term,
    content: utm.content,
    clickId: clickId?.param,
  });
}

/** The default channel grouping, in its published order of evaluation. */
export function defaultChannel(source: string, medium: string, campaign: string): Channel {
  const s = source.toLowerCase();
  const m = medium.toLowerCase();
  const c = campaign.toLowerCase();
  const paid = PAID_MEDIUM.test(m);
  const shoppingSite = matchesSite(s, SHOPPING) || SHOP_CAMPAIGN.test(c);
  if (s === '(direct)' && (m === '(none)' || m === '(not set)')) return Channel.Direct;
  if (c.includes('cross-network')) return Channel.CrossNetwork;
  if (shoppingSite && paid) return Channel.PaidShopping;
  if (matchesSite(s, SEARCH) && paid) return Channel.PaidSearch;
  if (matchesSite(s, SOCIAL) && paid) return Channel.PaidSocial;
  if (matchesSite(s, VIDEO) && paid) return Channel.PaidVideo;
  if (['display', 'banner', 'expandable', 'interstitial', 'cpm'].includes(m))
    return Channel.Display;
  if (paid) return Channel.PaidOther;
  if (shoppingSite) return Channel.OrganicShopping;
  if (
    matchesSite(s, SOCIAL) ||
    ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media'].includes(m)
  ) {
    return Channel.OrganicSocial;
  }
  if (matchesSite(s, VIDEO) || m.includes('video')) return Channel.OrganicVideo;
  if (matchesSite(s, SEARCH) || m === 'organic') return Channel.OrganicSearch;
  if (['referral', 'app', 'link'].includes(m)) return Channel.Referral;
  if (EMAIL.test(s) || EMAIL.test(m)) return Channel.Email;
  if (m === 'affiliate' || m === 'affiliates') return Channel.Affiliate;
  if (m === 'audio') return Channel.Audio;
  if (s === 'sms' || m === 'sms') return Channel.Sms;
  if (m.endsWith('push') || m.includes('mobile') || m.includes('notification') || s === 'firebase')
    return Channel.MobilePush;
  return Channel.Unassigned;
}

function ruleChannel(
  rules: ChannelRule[],
  source: string,
  medium: string,
  campaign?: string,
): Channel | undefined {
  const test = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined || new RegExp(pattern, 'i').test(value ?? '');
  return rules.find(
    (r) => test(r.source, source) && test(r.medium, medium) && test(r.campaign, campaign),
  )?.channel;
}

/** A source matches a site list by a whole host label (l.facebook.com → facebook) or a whole name. */
function matchesSite(source: string, names: string[]): boolean {
  const s = source.toLowerCase();
  if (names.includes(s)) return true;
  const labels = s.split('.');
  return names.some((name) =>
    name.includes('.') ? s === name || s.endsWith(`.${name}`) : labels.includes(name),
  );
}

function sameSite(own: string, host: string): boolean {
  const a = own.toLowerCase().replace(/^www\./, '');
  const b = host.toLowerCase().replace(/^www\./, '');
  return a === b || b.endsWith(`.${a}`);
}

function queryOf(url: string | undefined): URLSearchParams {
  // Most page URLs carry no query: nothing to parse then.
  if (!url || !url.includes('?')) return new URLSearchParams();
  try {
    return new URL(url, 'http://placeholder.invalid').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

/**
 * The scheme and authority of an absolute URL — all its host depends on — so hosts can be
 * cached per site rather than per page (`\\` ends the authority too in http(s) URLs).
 */
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*/i;
const hosts = new Map<string, string | undefined>();

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const authority = AUTHORITY.exec(url)?.[0];
  if (authority === undefined) return parseHost(url);
  if (hosts.has(authority)) return hosts.get(authority);
  const host = parseHost(authority);
  if (hosts.size >= 10_000) hosts.clear();
  hosts.set(authority, host);
  return host;
}

function parseHost(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.length > 0 ? host.replace(/^www\./, '') : undefined;
  } catch {
    return undefined;
  }
}

function normalize(value: string): string {
  return value.trim().toLowerCase();
}

function stripUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}
