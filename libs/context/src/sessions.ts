import { Channel, type Touch } from '@ctxb/events';
import { compareFacts, type Fact } from './facts';

/** One visit: consecutive behaviour of one journey without a long pause or a new campaign. */
export interface Session {
  /** 1-based position in the journey. */
  index: number;
  startedAt: number;
  endedAt: number;
  /** Where the visit came from; `direct` when nothing says otherwise. */
  touch: Touch;
  pageViews: number;
  productInteractions: number;
  cartModifications: number;
  activeMs: number;
  facts: Fact[];
}

const DIRECT: Touch = { channel: Channel.Direct, source: '(direct)', medium: '(none)' };

const PRODUCT_INTERACTIONS = new Set(['product.viewed', 'product.compared', 'review.read']);
const CART_MODIFICATIONS = new Set(['cart.item.added', 'cart.item.removed']);

function sameCampaign(a: Touch, b: Touch): boolean {
  return a.source === b.source && a.medium === b.medium && a.campaign === b.campaign;
}

/**
 * Splits a journey's behaviour into sessions: a new one after `timeoutMs` without activity,
 * and a new one when a page view arrives from another campaign or source (the analytics
 * tools' rule). Facts may come in any order; they are sorted first.
 */
export function aggregateSessions(facts: readonly Fact[], timeoutMs: number): Session[] {
  const sorted = facts.filter((f) => f.web).sort(compareFacts);
  const sessions: Session[] = [];
  let current: Session | undefined;
  for (const fact of sorted) {
    const touch = fact.type === 'page.viewed' ? fact.touch : undefined;
    const expired = current && fact.at - current.endedAt > timeoutMs;
    const newCampaign = current && touch && !sameCampaign(current.touch, touch);
    if (!current || expired || newCampaign) {
      current = {
        index: sessions.length + 1,
        startedAt: fact.at,
        endedAt: fact.at,
        touch: touch ?? DIRECT,
        pageViews: 0,
        productInteractions: 0,
        cartModifications: 0,
        activeMs: 0,
        facts: [],
      };
      sessions.push(current);
    }
    current.endedAt = fact.at;
    current.facts.push(fact);
    if (fact.type === 'page.viewed') current.pageViews++;
    if (PRODUCT_INTERACTIONS.has(fact.type)) current.productInteractions++;
    if (CART_MODIFICATIONS.has(fact.type)) current.cartModifications++;
    if (fact.type === 'page.engaged') current.activeMs += fact.activeMs ?? 0;
  }
  return sessions;
}
