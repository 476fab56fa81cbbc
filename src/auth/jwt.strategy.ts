import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from '../authz/principal';
import { PrincipalService, unauthenticated } from './principal.service';
import { VerifiedTokenCache } from './verified-token-cache';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_TYPE,
  ACCESS_TOKEN_USE,
  type AccessTokenClaims,
  TokenService,
} from './token.service';

/**
 * The one place access tokens are verified: HS256 only (`none` and other
 * algorithms refused), signature, `exp`, `iss`, `aud`, and `token_use`; then
 * the session must be live. A verified token is remembered until it expires
 * (VerifiedTokenCache), so later requests with it skip this verification but
 * never the session check.
 */
/** The access token of a request: `Authorization: Bearer <token>`, as passport-jwt reads it. */
export const bearerTokenOf: (request: unknown) => string | null =
  ExtractJwt.fromAuthHeaderAsBearerToken();

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    private readonly principals: PrincipalService,
    private readonly verified: VerifiedTokenCache,
  ) {
    super({
      jwtFromRequest: bearerTokenOf,
      passReqToCallback: true,
      // A pre-built KeyObject: jsonwebtoken accepts it and skips rebuilding a key per call.
      secretOrKey: tokens.key as unknown as string,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: tokens.issuer,
      audience: ACCESS_TOKEN_AUDIENCE,
      ignoreExpiration: false,
      // Hand over the header too, to check the token type (RFC 9068 `typ: at+jwt`).
      jsonWebTokenOptions: { complete: true },
    });
  }

  async validate(
    request: unknown,
    token: {
      header?: { typ?: string };
      payload?: Partial<AccessTokenClaims> & { exp?: number };
    },
  ): Promise<Principal> {
    const claims = token.payload ?? {};
    if (token.header?.typ !== ACCESS_TOKEN_TYPE || claims.token_use !== ACCESS_TOKEN_USE)
      throw unauthenticated();
    if (!claims.sub || !claims.sid || !claims.org || typeof claims.exp !== 'number')
      throw unauthenticated();
    const verified = { sub: claims.sub, sid: claims.sid, org: claims.org, exp: claims.exp };
    const raw = bearerTokenOf(request);
    if (raw !== null) this.verified.remember(raw, verified);
    return this.principals.fromAccessToken(verified);
  }
}
