import { Channel } from './channel';
import { classifyVisit, defaultChannel, type VisitInput } from './channel-classifier';

const SHOP = 'https://shop.example.com/';
const own = { ownHosts: ['shop.example.com'] };

describe('classifyVisit', () => {
  it.each<[string, VisitInput, Channel, string, string]>([
    // UTM
    [
      'Google Ads by UTM',
      { url: `${SHOP}?utm_source=google&utm_medium=cpc&utm_campaign=spring` },
      Channel.PaidSearch,
      'google',
      'cpc',
    ],
    [
      'Bing ppc',
      { utm: { source: 'bing', medium: 'ppc', campaign: 'x' } },
      Channel.PaidSearch,
      'bing',
      'ppc',
    ],
    [
      'Facebook paid social',
      { utm: { source: 'facebook', medium: 'paid_social', campaign: 'x' } },
      Channel.PaidSocial,
      'facebook',
      'paid_social',
    ],
    [
      'Instagram cpc',
      { utm: { source: 'ig', medium: 'cpc', campaign: 'x' } },
      Channel.PaidSocial,
      'ig',
      'cpc',
    ],
    [
      'YouTube cpv',
      { utm: { source: 'youtube', medium: 'cpv', campaign: 'x' } },
      Channel.PaidVideo,
      'youtube',
      'cpv',
    ],
    [
      'Amazon cpc',
      { utm: { source: 'amazon', medium: 'cpc', campaign: 'x' } },
      Channel.PaidShopping,
      'amazon',
      'cpc',
    ],
    [
      'shopping campaign cpc',
      { utm: { source: 'google', medium: 'cpc', campaign: 'summer-shopping' } },
      Channel.PaidShopping,
      'google',
      'cpc',
    ],
    [
      'cross-network campaign',
      { utm: { source: 'google', medium: 'cpc', campaign: 'pmax cross-network' } },
      Channel.CrossNetwork,
      'google',
      'cpc',
    ],
    [
      'display banner',
      { utm: { source: 'gdn', medium: 'banner', campaign: 'x' } },
      Channel.Display,
      'gdn',
      'banner',
    ],
    ['cpm', { utm: { source: 'criteo', medium: 'cpm' } }, Channel.Display, 'criteo', 'cpm'],
    [
      'retargeting elsewhere',
      { utm: { source: 'adroll', medium: 'retargeting' } },
      Channel.PaidOther,
      'adroll',
      'retargeting',
    ],
    [
      'newsletter email',
      { utm: { source: 'newsletter', medium: 'email', campaign: 'march' } },
      Channel.Email,
      'newsletter',
      'email',
    ],
    [
      'e-mail source',
      { utm: { source: 'e-mail', medium: 'blast' } },
      Channel.Email,
      'e-mail',
      'blast',
    ],
    [
      'affiliate',
      { utm: { source: 'awin', medium: 'affiliate' } },
      Channel.Affiliate,
      'awin',
      'affiliate',
    ],
    [
      'podcast audio',
      { utm: { source: 'spotify', medium: 'audio' } },
      Channel.Audio,
      'spotify',
      'audio',
    ],
    ['sms', { utm: { source: 'sms', medium: 'text' } }, Channel.Sms, 'sms', 'text'],
    ['push', { utm: { source: 'app', medium: 'web-push' } }, Channel.MobilePush, 'app', 'web-push'],
    [
      'organic social by medium',
      { utm: { source: 'partner-blog', medium: 'social' } },
      Channel.OrganicSocial,
      'partner-blog',
      'social',
    ],
    [
      'organic video by medium',
      { utm: { source: 'partner', medium: 'video-embed' } },
      Channel.OrganicVideo,
      'partner',
      'video-embed',
    ],
    [
      'organic by medium',
      { utm: { source: 'newsportal', medium: 'organic' } },
      Channel.OrganicSearch,
      'newsportal',
      'organic',
    ],
    [
      'referral by medium',
      { utm: { source: 'partner', medium: 'referral' } },
      Channel.Referral,
      'partner',
      'referral',
    ],
    [
      'UTM is case-insensitive',
      { utm: { source: 'Google', medium: 'CPC', campaign: 'X' } },
      Channel.PaidSearch,
      'google',
      'cpc',
    ],
    [
      'unknown medium',
      { utm: { source: 'billboard', medium: 'qr' } },
      Channel.Unassigned,
      'billboard',
      'qr',
    ],
    // click ids
    ['gclid', { url: `${SHOP}p?gclid=abc` }, Channel.PaidSearch, 'google', 'cpc'],
    ['wbraid', { url: `${SHOP}p?wbraid=abc` }, Channel.PaidSearch, 'google', 'cpc'],
    ['msclkid', { url: `${SHOP}p?msclkid=abc` }, Channel.PaidSearch, 'bing', 'cpc'],
    ['dclid', { url: `${SHOP}p?dclid=abc` }, Channel.Display, 'google', 'display'],
    ['ttclid', { url: `${SHOP}p?ttclid=abc` }, Channel.PaidSocial, 'tiktok', 'paid-social'],
    [
      'fbclid is not necessarily paid',
      { url: `${SHOP}p?fbclid=abc` },
      Channel.OrganicSocial,
      'facebook',
      'social',
    ],
    [
      'gclid with utm: utm wins',
      { url: `${SHOP}p?gclid=abc&utm_source=newsletter&utm_medium=email` },
      Channel.Email,
      'newsletter',
      'email',
    ],
    // referrers
    [
      'Google organic',
      { referrer: 'https://www.google.de/' },
      Channel.OrganicSearch,
      'google.de',
      'organic',
    ],
    [
      'DuckDuckGo',
      { referrer: 'https://duckduckgo.com/' },
      Channel.OrganicSearch,
      'duckduckgo.com',
      'organic',
    ],
    [
      'Facebook link shim',
      { referrer: 'https://l.facebook.com/l.php' },
      Channel.OrganicSocial,
      'l.facebook.com',
      'social',
    ],
    ['t.co', { referrer: 'https://t.co/abc' }, Channel.OrganicSocial, 't.co', 'social'],
    [
      'YouTube referral',
      { referrer: 'https://www.youtube.com/watch?v=1' },
      Channel.OrganicVideo,
      'youtube.com',
      'referral',
    ],
    [
      'another site',
      { referrer: 'https://blog.coffee.example.org/best' },
      Channel.Referral,
      'blog.coffee.example.org',
      'referral',
    ],
    [
      'own site is not a touch',
      { referrer: 'https://shop.example.com/cart', ...own },
      Channel.Direct,
      '(direct)',
      '(none)',
    ],
    [
      'own subdomain is not a touch',
      { referrer: 'https://checkout.shop.example.com/', ...own },
      Channel.Direct,
      '(direct)',
      '(none)',
    ],
    ['nothing at all', {}, Channel.Direct, '(direct)', '(none)'],
    ['unparseable referrer', { referrer: 'not a url' }, Channel.Direct, '(direct)', '(none)'],
  ])('%s', (_name, visit, channel, source, medium) => {
    const touch = classifyVisit(visit);
    expect({ channel: touch.channel, source: touch.source, medium: touch.medium }).toEqual({
      channel,
      source,
      medium,
    });
  });

  it('keeps campaign, term, content and the click id', () => {
    expect(
      classifyVisit({
        url: `${SHOP}?utm_source=google&utm_medium=cpc&utm_campaign=Spring%20Espresso&utm_term=espresso&utm_content=ad-1&gclid=x`,
      }),
    ).toEqual({
      channel: Channel.PaidSearch,
      source: 'google',
      medium: 'cpc',
      campaign: 'Spring Espresso',
      term: 'espresso',
      content: 'ad-1',
      clickId: 'gclid',
    });
  });

  it('applies configured rules before the defaults', () => {
    const rules = [
      { channel: Channel.Affiliate, source: '^partnerize$' },
      { channel: Channel.PaidSocial, medium: '^influencer$' },
    ];
    expect(classifyVisit({ utm: { source: 'partnerize', medium: 'cpc' } }, { rules }).channel).toBe(
      Channel.Affiliate,
    );
    expect(
      classifyVisit({ utm: { source: 'someone', medium: 'influencer' } }, { rules }).channel,
    ).toBe(Channel.PaidSocial);
    expect(classifyVisit({ utm: { source: 'google', medium: 'cpc' } }, { rules }).channel).toBe(
      Channel.PaidSearch,
    );
  });

  it('is deterministic', () => {
    const visit = { url: `${SHOP}?gclid=1`, referrer: 'https://www.google.com/' };
    expect(classifyVisit(visit)).toEqual(classifyVisit(visit));
  });
});

describe('referrer hosts (cached per site)', () => {
  // Each referrer is classified twice, so the second answer comes from the cache.
  it.each([
    ['https://www.Example.org/some/page?q=1', 'example.org'],
    ['https://user:pw@news.example.org:8443/x', 'news.example.org'],
    ['https://blog.example.org\\evil.test/path', 'blog.example.org'],
    ['http://xn--bcher-kva.example/', 'xn--bcher-kva.example'],
    ['https://bücher.example/', 'xn--bcher-kva.example'],
    ['HTTPS://WWW.EXAMPLE.NET#top', 'example.net'],
    ['not a url', undefined],
  ])('%s → %s', (referrer, host) => {
    for (let i = 0; i < 2; i++) {
      const touch = classifyVisit({ url: 'https://shop.test/', referrer, ownHosts: ['shop.test'] });
      expect(touch.source).toBe(host ?? '(direct)');
    }
  });

  it('a page after a cached site does not inherit its path', () => {
    classifyVisit({ url: '/', referrer: 'https://a.example/x' });
    expect(classifyVisit({ url: '/', referrer: 'https://a.example.evil.test/x' }).source).toBe(
      'a.example.evil.test',
    );
  });
});

describe('defaultChannel', () => {
  it('puts direct first only for (direct)/(none)', () => {
    expect(defaultChannel('(direct)', '(none)', '')).toBe(Channel.Direct);
    expect(defaultChannel('(direct)', 'email', '')).toBe(Channel.Email);
  });
});
