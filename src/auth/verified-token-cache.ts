import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';

/** What a verified access token says about its caller. */
export interface VerifiedClaims {
  sub: string;
  sid: string;
  org: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/**
 * Access tokens this process has already verified (signature, algorithm,
 * issuer, audience, type), by the SHA-256 of the token, until they expire: a
 * token is verified once, not on every request. This only spares the
 * verification; whether the session is still live, the user still active and
 * their roles unchanged is asked on every request (PrincipalService), so a
 * revocation applies on the next request whatever is cached here.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly verified = new LRUCache<string, VerifiedClaims>({ max: 50_000 });

  get(token: string, nowMs = Date.now()): VerifiedClaims | undefined {
    const claims = this.verified.get(keyOf(token));
    return claims !== undefined && claims.exp * 1000 > nowMs ? claims : undefined;
  }

  remember(token: string, claims: VerifiedClaims, nowMs = Date.now()): void {
    const ttl = claims.exp * 1000 - nowMs;
    if (ttl > 0) this.verified.set(keyOf(token), claims, { ttl });
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
