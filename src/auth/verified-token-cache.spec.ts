import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const claims = { sub: 'u', sid: 's', org: 'o', exp: now / 1000 + 60 };

  it('remembers a verified token until its expiry, not a moment longer', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('header.payload.signature', claims, now);
    expect(cache.get('header.payload.signature', now + 59_999)).toEqual(claims);
    expect(cache.get('header.payload.signature', now + 60_000)).toBeUndefined();
  });

  it('knows a token only by its exact text', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('header.payload.signature', claims, now);
    expect(cache.get('header.payload2.signature', now)).toBeUndefined();
    expect(cache.get('header.payload.signatur', now)).toBeUndefined();
  });

  it('does not keep a token that has already expired', () => {
    const cache = new VerifiedTokenCache();
    cache.remember('expired', { ...claims, exp: now / 1000 - 1 }, now);
    expect(cache.get('expired', now - 10_000)).toBeUndefined();
  });
});
