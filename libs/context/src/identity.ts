import { isoTimestamp } from '@ctxb/events';
import { compareFacts, type Fact } from './facts';

/** A link between an anonymous id and a customer that the engine accepted. */
export interface IdentityMerge {
  anonymousId: string;
  customerId: string;
  at: string;
  /** The event type and id that caused it. */
  cause: string;
}

/** A link the guard rails refused, with the reason. */
export interface RefusedLink extends IdentityMerge {
  reason: string;
}

export interface CustomerIdentity {
  /** Anonymous ids whose behaviour belongs to the customer's journey. */
  anonymousIds: string[];
  merges: IdentityMerge[];
  refused: RefusedLink[];
}

/** Where link facts are found; the engine keeps both indexes. */
export interface LinkIndex {
  byCustomer(customerId: string): readonly Fact[];
  byDevice(anonymousId: string): readonly Fact[];
}

export const pairKey = (anonymousId: string, customerId: string): string =>
  `${anonymousId}\u0000${customerId}`;

/**
 * The anonymous ids linked to one customer as of `asOf`, decided from link facts in event-time
 * order so that the answer never depends on delivery order. Guard rails:
 *  - placeholder ids never reach here (facts drop them);
 *  - a device that an earlier link tied to another customer is a shared device: it never
 *    merges a second customer;
 *  - at most `maxAnonymousIds` devices per customer;
 *  - a pair that was unmerged by command stays apart.
 */
export function resolveCustomer(
  customerId: string,
  links: LinkIndex,
  asOf: number,
  maxAnonymousIds: number,
  unmerged: ReadonlySet<string>,
): CustomerIdentity {
  const own = links
    .byCustomer(customerId)
    .filter((l) => l.at <= asOf)
    .sort(compareFacts);
  const accepted = new Set<string>();
  const merges: IdentityMerge[] = [];
  const refused: RefusedLink[] = [];
  for (const link of own) {
    const anonymousId = link.link!.device;
    if (accepted.has(anonymousId)) continue;
    const record: IdentityMerge = {
      anonymousId,
      customerId,
      at: isoTimestamp(link.at),
      cause: `${link.type} ${link.key.slice(link.key.indexOf('\u0000') + 1)}`,
    };
    const earlierOwner = links
      .byDevice(anonymousId)
      .filter((other) => other.link!.customer !== customerId && compareFacts(other, link) < 0)
      .sort(compareFacts)[0];
    let reason: string | undefined;
    if (unmerged.has(pairKey(anonymousId, customerId))) reason = 'unmerged by command';
    else if (earlierOwner)
      reason = `shared device: already linked to customer ${earlierOwner.link!.customer}`;
    else if (accepted.size >= maxAnonymousIds)
      reason = `customer already has ${maxAnonymousIds} anonymous ids`;
    if (reason) {
      if (!refused.some((r) => r.anonymousId === anonymousId)) refused.push({ ...record, reason });
      continue;
    }
    accepted.add(anonymousId);
    merges.push(record);
  }
  return { anonymousIds: [...accepted].sort(), merges, refused };
}
