import { type WriteKeyConfig } from '@ctxb/config';
import { HashedKeys } from '../api/hashed-keys';

/** Write keys, stored hashed; each key may send events only from the sources it lists. */
export class WriteKeyAuthenticator {
  private readonly keys: HashedKeys<WriteKeyConfig>;

  constructor(writeKeys: WriteKeyConfig[]) {
    this.keys = new HashedKeys(writeKeys);
  }

  authenticate(presented: string): WriteKeyConfig | undefined {
    return this.keys.find(presented);
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
