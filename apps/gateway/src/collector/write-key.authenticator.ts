import { createHash, timingSafeEqual } from 'node:crypto';
import { type WriteKeyConfig } from '@ctxb/config';

/**
 * Write keys are configured as SHA-256 hashes; a presented key is hashed and compared in
 * constant time. Each key may send events only from the sources it lists.
 */
export class WriteKeyAuthenticator {
  private readonly keys: { config: WriteKeyConfig; hash: Buffer }[];

  constructor(writeKeys: WriteKeyConfig[]) {
    this.keys = writeKeys.map((config) => ({ config, hash: Buffer.from(config.sha256, 'hex') }));
  }

  authenticate(presented: string): WriteKeyConfig | undefined {
    const hash = createHash('sha256').update(presented).digest();
    return this.keys.find((k) => timingSafeEqual(k.hash, hash))?.config;
  }

  static allowsSource(key: WriteKeyConfig, source: string): boolean {
    return key.sources.some((pattern) =>
      pattern === '*'
        ? true
        : pattern.endsWith('*')
          ? source.startsWith(pattern.slice(0, -1))
          : source === pattern,
    );
  }
}

/** The key from `Authorization: Bearer|Basic`, `X-Write-Key`, or `?writeKey=` (for sendBeacon). */
export function presentedWriteKey(
  headers: Record<string, string | string[] | undefined>,
  query: Record<string, unknown>,
): string | undefined {
  const authorization = first(headers.authorization);
  if (authorization) {
    const [scheme, value = ''] = authorization.split(' ', 2);
    if (/^bearer$/i.test(scheme)) return value.trim() || undefined;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      return decoded.split(':')[0] || undefined;
    }
  }
  const header = first(headers['x-write-key']);
  if (header) return header;
  return typeof query.writeKey === 'string' && query.writeKey.length > 0
    ? query.writeKey
    : undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
