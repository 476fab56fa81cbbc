import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../directory/password/password-hasher';
import { asSubject, AuthzService } from '../authz/authz.service';
import { ACCOUNT_HOLDER_ROLE, BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import type { UpdateUserDto } from './dto/user.dto';
import type { User, UserStatus } from '../directory/users/user.entity';
import { duplicateProblem, UserDirectoryService } from '../directory/users/user-directory.service';

/**
 * Changes to existing users: roles, status, profile, password, deletion,
 * sessions. Same shape everywhere: load (tenant-scoped) -> ask the ability ->
 * change -> audit, in one transaction; invalidation after commit.
 */
@Injectable()
export class UserLifecycleService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly sessions: SessionRevocationService,
    private readonly hasher: PasswordHasher,
    private readonly users: UserDirectoryService,
  ) {}

  /** PUT /users/:id/roles: the caller must be able to grant every added and every removed role. */
  async setRoles(principal: Principal, id: string, requested: string[]): Promise<User> {
    const roles = [...new Set(requested)];
    const catalog = await this.roles.catalog(principal.organizationId);
    catalog.assertKnown(roles);
    const user = await this.em.transactional(async (em) => {
      const target = await this.users.findVisible(principal, id, em);
      await this.authz.assert(
        principal,
        'assign',
        asSubject('Role', {
          organizationId: principal.organizationId,
          key: roles[0] ?? BASELINE_ROLE,
        }),
      );
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      const added = roles.filter((key) => !target.roles.includes(key));
      const removed = target.roles.filter((key) => !roles.includes(key));
      await this.authz.assertCanGrant(principal, [...added, ...removed], (key) =>
        catalog.permissionsOf([key]),
      );
      this.users.assertEmailRule(roles, target.email);
      if (removed.includes(ACCOUNT_HOLDER_ROLE))
        await this.users.assertAnotherActiveHolder(em, target);
      const before = [...target.roles];
      target.roles = roles;
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'user.rolesChanged',
        target: { type: 'User', id: target.id },
        changes: { roles: { from: before, to: roles } },
      });
      return target;
    });
    await this.sessions.invalidateUser(user.id);
    return user;
  }

  /**
   * Lifts a sign-in lock and resets the failure count. Asks for the same right
   * as activating the user (its `status`); audited even when nothing was locked,
   * since an admin acted.
   */
  async unlock(principal: Principal, id: string): Promise<User> {
    const catalog = await this.roles.catalog(principal.organizationId);
    return this.em.transactional(async (em) => {
      const target = await this.users.findVisible(principal, id, em);
      await this.authz.assert(principal, 'update', target, 'status');
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      const before = {
        lockedUntil: target.lockedUntil?.toISOString() ?? null,
        failedLoginAttempts: target.failedLoginAttempts,
      };
      target.lockedUntil = null;
      target.failedLoginAttempts = 0;
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'user.unlocked',
        target: { type: 'User', id: target.id },
        changes: {
          lockedUntil: { from: before.lockedUntil, to: null },
          failedLoginAttempts: { from: before.failedLoginAttempts, to: 0 },
        },
      });
      return target;
    });
  }

  /** Deactivate (every session revoked at once) or activate a user. */
  async setStatus(principal: Principal, id: string, status: UserStatus): Promise<User> {
    if (id === principal.userId) {
      return this.authz.deny(
        principal,
        `${status === 'inactive' ? 'deactivate' : 'activate'} themselves`,
        { type: 'User', id },
        'You cannot deactivate or activate your own account.',
      );
    }
    const catalog = await this.roles.catalog(principal.organizationId);
    const { user, revoked } = await this.em.transactional(async (em) => {
      const target = await this.users.findVisible(principal, id, em);
      await this.authz.assert(principal, 'update', target, 'status');
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      const revokedIds = await this.users.setStatusInTransaction(
        em,
        target,
        status,
        actorOf(principal),
      );
      return { user: target, revoked: revokedIds };
    });
    await this.users.afterAccessChange(user.id, revoked);
    return user;
  }

  /** PATCH /users/:id: each changed field needs update on that field; an email change keeps old and new. */
  async update(principal: Principal, id: string, input: UpdateUserDto): Promise<User> {
    if (input.status !== undefined && id === principal.userId) {
      return this.authz.deny(
        principal,
        'change their own status',
        { type: 'User', id },
        'You cannot deactivate or activate your own account.',
      );
    }
    const catalog = await this.roles.catalog(principal.organizationId);
    try {
      const { user, revoked } = await this.em.transactional(async (em) => {
        const target = await this.users.findVisible(principal, id, em);
        await this.authz.assertCanActOnUser(principal, target, (key) =>
          catalog.permissionsOf([key]),
        );
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const field of ['username', 'email', 'displayName', 'status'] as const) {
          const next = input[field];
          if (next === undefined || next === target[field]) continue;
          await this.authz.assert(principal, 'update', target, field);
          changes[field] = { from: target[field], to: next };
        }
        if (changes.email && (input.email ?? '') === '')
          this.users.assertEmailRule(target.roles, null);
        if (changes.status?.to === 'inactive')
          await this.users.assertKeepsAnActiveHolder(em, target);
        em.assign(
          target,
          Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, change.to])),
        );
        await em.flush();
        const live =
          changes.status?.to === 'inactive'
            ? await this.sessions.liveSessionsOf(em, target.organizationId, target.id)
            : [];
        for (const session of live)
          await this.sessions.revokeInTransaction(
            em,
            session,
            'user deactivated',
            actorOf(principal),
          );
        if (Object.keys(changes).length > 0) {
          await this.audit.record(em, {
            organizationId: principal.organizationId,
            actor: actorOf(principal),
            action: 'user.updated',
            target: { type: 'User', id: target.id },
            changes,
          });
        }
        return { user: target, revoked: live.map((session) => session.id) };
      });
      await this.sessions.forget(revoked);
      if (input.status !== undefined) await this.sessions.invalidateUser(user.id);
      return user;
    } catch (error) {
      throw duplicateProblem(error) ?? error;
    }
  }

  /** An administrator sets a new password; by default every session of the user ends. */
  async resetPassword(
    principal: Principal,
    id: string,
    password: string,
    revokeSessions = true,
  ): Promise<void> {
    const catalog = await this.roles.catalog(principal.organizationId);
    const target = await this.users.findVisible(principal, id, this.em.fork());
    await this.authz.assert(principal, 'update', target);
    await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
    this.users.assertPassword(
      password,
      target,
      await this.users.organization(principal.organizationId),
    );
    const passwordHash = await this.hasher.hash(password);
    const revoked = await this.em.fork().transactional(async (em) => {
      const managed = await this.users.findVisible(principal, id, em);
      managed.passwordHash = passwordHash;
      await em.flush();
      const live = revokeSessions
        ? await this.sessions.liveSessionsOf(em, managed.organizationId, managed.id)
        : [];
      for (const session of live)
        await this.sessions.revokeInTransaction(em, session, 'password reset', actorOf(principal));
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'user.passwordReset',
        target: { type: 'User', id: managed.id },
        changes: { revokedSessions: live.length },
      });
      return live.map((session) => session.id);
    });
    await this.sessions.forget(revoked);
  }

  /**
   * Permanent deletion; sessions, refresh tokens and memberships go with the
   * user (foreign keys), audit events stay with their snapshot of the actor.
   * Owned applications pass to transferOwnershipTo (409 while any are owned
   * and nobody is named); assignments and policies forget the user.
   */
  async remove(principal: Principal, id: string, transferOwnershipTo?: string): Promise<void> {
    if (transferOwnershipTo === id) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'transferOwnershipTo must name another user.',
        {
          type: 'validation-failed',
          errors: [{ field: 'transferOwnershipTo', message: 'must name another user' }],
        },
      );
    }
    if (id === principal.userId) {
      return this.authz.deny(
        principal,
        'delete themselves',
        { type: 'User', id },
        'You cannot delete your own account',
      );
    }
    const catalog = await this.roles.catalog(principal.organizationId);
    const sessionIds = await this.em.fork().transactional(async (em) => {
      const target = await this.users.findVisible(principal, id, em);
      await this.authz.assert(principal, 'delete', target);
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      if (transferOwnershipTo !== undefined) {
        const heir = await this.users.findVisible(principal, transferOwnershipTo, em);
        if (heir.status !== 'active') {
          throw new ProblemException(
            HttpStatus.CONFLICT,
            'Ownership can only pass to an active user.',
            { type: 'conflict' },
          );
        }
      }
      return this.users.deleteInTransaction(em, target, actorOf(principal), transferOwnershipTo);
    });
    await this.users.afterAccessChange(id, sessionIds);
  }

  /** Adds or removes one role, keeping the others. */
  async changeRole(
    principal: Principal,
    id: string,
    role: string,
    change: 'add' | 'remove',
  ): Promise<User> {
    const target = await this.users.findVisible(principal, id);
    const roles =
      change === 'add'
        ? [...new Set([...target.roles, role])]
        : target.roles.filter((key) => key !== role);
    return this.setRoles(principal, id, roles);
  }
}
