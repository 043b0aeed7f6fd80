import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links to the journey panel: `/panel/{contextReferenceId}?expires={unix seconds}&
 * signature={HMAC-SHA256 of reference and expiry, base64url}`. Whoever holds a link sees that
 * one panel until it expires, without a login; changing any part of it breaks the signature.
 */
export function panelSignature(secret: string, reference: string, expires: number): string {
  return createHmac('sha256', secret).update(`${reference}\n${expires}`).digest('base64url');
}

export function panelLink(
  publicUrl: string,
  secret: string,
  reference: string,
  expiresAt: Date,
): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const signature = panelSignature(secret, reference, expires);
  return `${publicUrl}/panel/${encodeURIComponent(reference)}?expires=${expires}&signature=${signature}`;
}

/** Whether a request's link is good: signed for this reference and expiry, and not expired. */
export function checkPanelLink(
  secret: string,
  reference: string,
  expires: string | undefined,
  signature: string | undefined,
  now: number,
): 'valid' | 'expired' | 'invalid' {
  if (!expires || !/^\d{1,12}$/.test(expires) || !signature) return 'invalid';
  const expected = Buffer.from(panelSignature(secret, reference, Number(expires)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expires) * 1000 <= now ? 'expired' : 'valid';
}
