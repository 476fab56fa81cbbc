import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

export const ACCESS_TOKEN_AUDIENCE = 'warden-api';
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
/** Access tokens say what they are (RFC 9068 `typ: at+jwt` plus a `token_use` claim). */
export const ACCESS_TOKEN_USE = 'access';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  org: string;
  token_use: typeof ACCESS_TOKEN_USE;
}

/**
 * Signs access tokens with one pinned algorithm. The key is built once: a
 * string secret would be turned into a key object on every verification.
 */
@Injectable()
export class TokenService {
  readonly key: KeyObject;
  readonly issuer: string;
  private readonly jwt = new JwtService();

  constructor(config: AppConfig) {
    if (config.jwtSecret === undefined) throw new Error('JWT_SECRET is not resolved');
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    this.issuer = config.publicUrl;
  }

  signAccessToken(
    claims: Omit<AccessTokenClaims, 'token_use'>,
    ttlSeconds: number,
  ): Promise<string> {
    return this.jwt.signAsync(
      { ...claims, token_use: ACCESS_TOKEN_USE },
      {
        secret: this.key.export(),
        algorithm: ACCESS_TOKEN_ALGORITHM,
        header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
        issuer: this.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        expiresIn: ttlSeconds,
      },
    );
  }
}
