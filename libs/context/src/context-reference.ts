import { createHash } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The order's permanent reference: `ctx_` + 26 base32 characters (130 bits of SHA-256 over
 * the order id). The same order gets the same reference on every replay and every machine;
 * it is URL-safe and fits an ERP's 30-character text column.
 */
export function contextReferenceId(orderId: string): string {
  const digest = createHash('sha256').update(`order\u0000${orderId}`).digest();
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return `ctx_${out}`;
}

const REFERENCE = /^ctx_[a-z2-7]{26}$/;

/** Whether `text` has the shape of a context reference (before anything looks it up). */
export function isContextReferenceId(text: string): boolean {
  return REFERENCE.test(text);
}
