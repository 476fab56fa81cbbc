import { EntityManager } from '@mikro-orm/postgresql';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../authz/public.decorator';
import type { Principal } from '../authz/principal';
import { TENANT_FILTER } from '../infra/database/organization-owned.entity';
import { unauthenticated } from './principal.service';

/**
 * Global, first: every route needs a valid credential unless it is @Public().
 * Once the caller is known, the request's EntityManager is scoped to their
 * organization (the tenant filter), so nothing later can read across tenants.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly em: EntityManager,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    await (super.canActivate(context) as Promise<boolean>);
    const principal = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: Principal }>().user;
    if (principal)
      this.em.setFilterParams(TENANT_FILTER, { organizationId: principal.organizationId });
    return true;
  }

  override handleRequest<T>(error: unknown, principal: T): T {
    if (error instanceof Error) throw error;
    if (!principal)
      throw unauthenticated('Authentication required: send Authorization: Bearer <access token>.');
    return principal;
  }
}
