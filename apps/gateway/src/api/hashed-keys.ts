import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Keys configured as SHA-256 hashes (never in clear): a presented key is hashed and compared
 * with each in constant time. Serves the collector's write keys and the API keys.
 */
export class HashedKeys<K extends { sha256: string }> {
  private readonly keys: { key: K; hash: Buffer }[];

  constructor(keys: readonly K[]) {
    this.keys = keys.map((key) => ({ key, hash: Buffer.from(key.sha256, 'hex') }));
  }

  find(presented: string): K | undefined {
    const hash = createHash('sha256').update(presented).digest();
    return this.keys.find((k) => timingSafeEqual(k.hash, hash))?.key;
  }
}
