import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthzService } from './authz.service';
import { AUTHENTICATED_ONLY, REQUIRED_PERMISSION, type RequiredPermission } from './can.decorator';
import type { Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';

/**
 * Global, second: the function-level check. A route passes when it is
 * @Public(), @Authenticated() (self-service), or its @Can(action, Subject) is
 * in the caller's ability. A route with none of them is refused: deny by default.
 */
@Injectable()
export class PoliciesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authz: AuthzService,
  ) {}

  /** Synchronous unless it refuses (recording a refusal is asynchronous), as AuthenticationGuard. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const principal = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: Principal }>().user;
    if (principal === undefined) return false;
    if (this.reflector.getAllAndOverride<boolean>(AUTHENTICATED_ONLY, targets)) return true;
    const required = this.reflector.getAllAndOverride<RequiredPermission | undefined>(
      REQUIRED_PERMISSION,
      targets,
    );
    if (required === undefined) {
      return this.authz.deny(principal, 'use a route without a declared policy', {
        type: 'Route',
        id: null,
      });
    }
    if (principal.ability.can(required.action, required.subject)) return true;
    return this.authz.deny(principal, `${required.action} ${required.subject}`, {
      type: required.subject,
      id: null,
    });
  }
}
