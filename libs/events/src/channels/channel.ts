/**
 * Marketing channels, following the default channel grouping that web analytics tools publish
 * (Google Analytics 4's list and order), named in kebab-case.
 */
export enum Channel {
  Direct = 'direct',
  CrossNetwork = 'cross-network',
  PaidShopping = 'paid-shopping',
  PaidSearch = 'paid-search',
  PaidSocial = 'paid-social',
  PaidVideo = 'paid-video',
  Display = 'display',
  PaidOther = 'paid-other',
  OrganicShopping = 'organic-shopping',
  OrganicSocial = 'organic-social',
  OrganicVideo = 'organic-video',
  OrganicSearch = 'organic-search',
  Referral = 'referral',
  Email = 'email',
  Affiliate = 'affiliate',
  Audio = 'audio',
  Sms = 'sms',
  MobilePush = 'mobile-push',
  Unassigned = 'unassigned',
}

/** Where a visit came from: the channel and the source/medium/campaign it was derived from. */
export interface Touch {
  channel: Channel;
  source: string;
  medium: string;
  campaign?: string;
  term?: string;
  content?: string;
  /** The ad click id that decided the source, e.g. `gclid`. */
  clickId?: string;
}

/** A rule from configuration, tried before the defaults: every given pattern must match. */
export interface ChannelRule {
  channel: Channel;
  source?: string;
  medium?: string;
  campaign?: string;
}
