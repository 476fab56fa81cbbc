import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Principal } from '../authz/principal';
import { PrincipalService, unauthenticated } from './principal.service';
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
 * the session must be live.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    private readonly principals: PrincipalService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
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

  async validate(token: {
    header?: { typ?: string };
    payload?: Partial<AccessTokenClaims>;
  }): Promise<Principal> {
    const claims = token.payload ?? {};
    if (token.header?.typ !== ACCESS_TOKEN_TYPE || claims.token_use !== ACCESS_TOKEN_USE)
      throw unauthenticated();
    if (!claims.sub || !claims.sid || !claims.org) throw unauthenticated();
    return this.principals.fromAccessToken({ sub: claims.sub, sid: claims.sid, org: claims.org });
  }
}
