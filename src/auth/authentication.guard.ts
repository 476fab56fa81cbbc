import { EntityManager } from '@mikro-orm/postgresql';
import { type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PREFIX } from '../api-keys/api-keys.service';
import type { Principal } from '../authz/principal';
import { IS_PUBLIC } from '../authz/public.decorator';
import { ProblemException } from '../common/problem/problem';
import { scopeRequestToOrganization } from '../infra/database/request-scope';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { bearerTokenOf } from './jwt.strategy';
import { PrincipalService, unauthenticated } from './principal.service';
import { VerifiedTokenCache } from './verified-token-cache';

/** An API key from `X-API-Key`, or from `Authorization: Bearer` when it has the key prefix. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  return bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined;
}

/** Secrets never travel in URLs (they end up in logs and browser history): ASVS 14.2.1. */
function refuseCredentialsInUrl(query: unknown): void {
  if (query === null || typeof query !== 'object') return;
  const leaked = Object.entries(query as Record<string, unknown>).some(
    ([name, value]) =>
      /^(api[-_]?key|access[-_]?token)$/i.test(name) ||
      (typeof value === 'string' && value.startsWith(API_KEY_PREFIX)),
  );
  if (leaked) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'Credentials are not accepted in the URL; send them in the Authorization or X-API-Key header.',
      { type: 'malformed-request' },
    );
  }
}

/**
 * Global, first: every route needs a valid credential unless it is @Public():
 * an access token (passport-jwt, the one place tokens are verified) or an API
 * key. Once the caller is known, the request's EntityManager is scoped to
 * their organization (the tenant filter), so nothing later reads across tenants.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly em: EntityManager,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly principals: PrincipalService,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {
    super();
  }

  /**
   * A public route is answered synchronously: Nest awaits only a guard that
   * returns a promise, and every promise of a request also pays for each
   * AsyncLocalStorage in the process.
   */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    refuseCredentialsInUrl(request.query);
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    return this.authenticate(context, request);
  }

  private async authenticate(
    context: ExecutionContext,
    request: FastifyRequest & { user?: Principal },
  ): Promise<boolean> {
    const apiKey = apiKeyOf(request);
    const token = apiKey === undefined ? bearerTokenOf(request) : null;
    const verified = token === null ? undefined : this.verifiedTokens.get(token);
    if (apiKey !== undefined) {
      request.user = await this.apiKeys.authenticate(apiKey);
    } else if (verified !== undefined) {
      // Verified before by JwtStrategy: only the session check remains.
      request.user = await this.principals.fromAccessToken(verified);
    } else {
      await (super.canActivate(context) as Promise<boolean>);
    }
    if (request.user) scopeRequestToOrganization(this.em, request.user.organizationId);
    return true;
  }

  override handleRequest<T>(error: unknown, principal: T): T {
    if (error instanceof Error) throw error;
    if (!principal)
      throw unauthenticated(
        'Authentication required: send Authorization: Bearer <access token or API key>.',
      );
    return principal;
  }
}
