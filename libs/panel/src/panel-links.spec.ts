import fc from 'fast-check';
import { checkPanelLink, panelLink } from './panel-links';

const SECRET = 'a-secret-of-thirty-two-characters!!';
const REF = 'ctx_dwxjy7siqwg2edtlqby44r4eym';

function parts(link: string) {
  const url = new URL(link);
  return {
    reference: decodeURIComponent(url.pathname.split('/').pop()!),
    expires: url.searchParams.get('expires') ?? undefined,
    signature: url.searchParams.get('signature') ?? undefined,
  };
}

describe('panel links', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const link = panelLink('https://context.example.com', SECRET, REF, new Date(now + 3600_000));

  it('signs the reference and the expiry', () => {
    expect(link).toMatch(
      /^https:\/\/context\.example\.com\/panel\/ctx_dwxjy7siqwg2edtlqby44r4eym\?expires=\d+&signature=[\w-]{43}$/,
    );
    const { reference, expires, signature } = parts(link);
    expect(checkPanelLink(SECRET, reference, expires, signature, now)).toBe('valid');
    expect(checkPanelLink(SECRET, reference, expires, signature, now + 3600_000)).toBe('expired');
  });

  it('refuses any change to the reference, the expiry, the signature or the key', () => {
    const { reference, expires, signature } = parts(link);
    expect(checkPanelLink(SECRET, 'ctx_aaaaaaaaaaaaaaaaaaaaaaaaaa', expires, signature, now)).toBe(
      'invalid',
    );
    expect(checkPanelLink(SECRET, reference, String(Number(expires) + 1), signature, now)).toBe(
      'invalid',
    );
    expect(checkPanelLink(`${SECRET}x`, reference, expires, signature, now)).toBe('invalid');
    expect(checkPanelLink(SECRET, reference, undefined, signature, now)).toBe('invalid');
    expect(checkPanelLink(SECRET, reference, expires, undefined, now)).toBe('invalid');
    expect(checkPanelLink(SECRET, reference, '1e12', signature, now)).toBe('invalid');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), (forged) => {
        fc.pre(forged !== signature);
        expect(checkPanelLink(SECRET, reference, expires, forged, now)).toBe('invalid');
      }),
    );
  });
});
