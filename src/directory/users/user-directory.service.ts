import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { type AuditActor, AuditService } from '../../audit/audit.service';
import { asSubject, AuthzService } from '../../authz/authz.service';
import { ACCOUNT_HOLDER_ROLE, BASELINE_ROLE } from '../../authz/matrix';
import type { Principal } from '../../authz/principal';
import { ProblemException } from '../../common/problem/problem';
import { sameIgnoringCase } from '../../infra/database/case-insensitive';
import { scoped } from '../../infra/database/organization-owned.entity';
import { PreparedReads } from '../../infra/database/prepared-statement';
import type { Organization } from '../../tenancy/organization.entity';
import { effectiveSettings } from '../../tenancy/organization-settings';
import { TenancyService } from '../../tenancy/tenancy.service';
import { DirectoryEvents } from '../directory-events';
import { passwordProblems } from '../password/password-policy';
import { SessionRevocationService } from '../sessions/session-revocation.service';
import { User, type UserStatus } from './user.entity';
import {
  toUserDetails,
  toUserFields,
  USER_WITH_DETAILS,
  type UserDetails,
  type UserFields,
  type UserRow,
} from './user.rows';

/** Turns the unique indexes' violations into the messages users expect. */
export function duplicateProblem(error: unknown): ProblemException | undefined {
  if (!(error instanceof UniqueConstraintViolationException)) return undefined;
  const detail = error.message.includes('users_org_email_unique')
    ? 'Email already exists'
    : 'Username already exists';
  return new ProblemException(HttpStatus.CONFLICT, detail, { type: 'conflict' });
}

/**
 * Users as every feature and entry point finds them, and the rules that hold
 * whoever changes them: visibility (404 for what the caller may not read),
 * the password policy, "every role but User needs an email", and "the
 * organization keeps an active Owner".
 */
@Injectable()
export class UserDirectoryService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly tenancy: TenancyService,
    private readonly revocation: SessionRevocationService,
    private readonly events: DirectoryEvents,
    private readonly reads: PreparedReads,
  ) {}

  /** A user the caller may read; 404 otherwise (another organization's, or not theirs to see). */
  async findVisible(principal: Principal, id: string, em: EntityManager = this.em): Promise<User> {
    const user = await em.findOne(User, { id }, scoped(principal.organizationId));
    if (user === null || !this.authz.can(principal, 'read', user)) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such user in this organization.');
    }
    return user;
  }

  /**
   * The hot read (GET /users/:id): a user the caller may read, with its row
   * details, in one prepared statement; 404 as findVisible. For reads only:
   * what is changed next is loaded through the ORM.
   */
  async readVisible(
    principal: Principal,
    id: string,
  ): Promise<{ user: UserFields; details: UserDetails }> {
    const [row] = await this.reads.query<UserRow>(USER_WITH_DETAILS, [
      principal.organizationId,
      id,
    ]);
    const user = row === undefined ? undefined : toUserFields(row);
    if (user === undefined || !this.authz.can(principal, 'read', asSubject('User', user))) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such user in this organization.');
    }
    return { user, details: toUserDetails(row) };
  }

  /**
   * For sign-in: a user of the organization by username or email, ignoring
   * case. A username may be an email address (SCIM), so one login can name
   * two people: the one whose username it is wins, deterministically.
   */
  async findByLogin(organizationId: string, login: string): Promise<User | null> {
    const value = login.trim().toLowerCase();
    const found = await this.em.fork().find(
      User,
      {
        $or: [sameIgnoringCase('username', value), sameIgnoringCase('email', value)],
      },
      scoped(organizationId, { limit: 2 }),
    );
    return found.find((user) => user.username.toLowerCase() === value) ?? found[0] ?? null;
  }

  /**
   * A user who creates themselves: self-registration (a baseline user), an
   * accepted invite or an organization's first Owner. Recorded as their own
   * action, in the caller's transaction when one is given.
   */
  async createSelf(
    organization: Organization,
    input: {
      username: string;
      email: string;
      displayName: string | null;
      roles: string[];
      passwordHash: string;
    },
    action: 'user.registered' | 'user.created' = 'user.registered',
    transaction?: EntityManager,
  ): Promise<User> {
    try {
      const work = async (em: EntityManager) => {
        const user = em.create(User, {
          organizationId: organization.id,
          ...input,
          status: 'active',
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: organization.id,
          actor: { type: 'user', id: user.id, username: user.username, email: user.email },
          action,
          target: { type: 'User', id: user.id },
          changes: {
            username: { to: user.username },
            email: { to: user.email },
            roles: { to: user.roles },
          },
        });
        return user;
      };
      return await (transaction ? work(transaction) : this.em.fork().transactional(work));
    } catch (error) {
      throw duplicateProblem(error) ?? error;
    }
  }

  /** The organization's password policy, with the person's own names as forbidden words. */
  assertPassword(
    password: string,
    who: { username?: string | null; email?: string | null; organizationName?: string | null },
    organization: Organization,
  ): void {
    const problems = passwordProblems(password, {
      minLength: effectiveSettings(organization.settings).passwordMinLength,
      username: who.username,
      email: who.email,
      organizationName: who.organizationName ?? organization.name,
    });
    if (problems.length > 0) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, problems.join(' '), {
        errors: problems.map((message) => ({ field: 'password', message })),
      });
    }
  }

  organization(organizationId: string): Promise<Organization> {
    return this.tenancy.require(organizationId);
  }

  /** Every role but the baseline one needs an email address. */
  assertEmailRule(roles: string[], email: string | null): void {
    if (email !== null && email !== '') return;
    if (roles.every((key) => key === BASELINE_ROLE)) return;
    throw new ProblemException(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'An email address is required for any role other than User.',
      {
        errors: [{ field: 'email', message: 'required for any role other than User' }],
      },
    );
  }

  /**
   * The organization always keeps an active account holder: no change may
   * leave it without one (docs/permissions.md, rules on top of the matrix).
   */
  async assertAnotherActiveHolder(em: EntityManager, target: User): Promise<void> {
    const others = await em.count(
      User,
      { id: { $ne: target.id }, status: 'active', roles: { $contains: [ACCOUNT_HOLDER_ROLE] } },
      scoped(target.organizationId),
    );
    if (others === 0) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'The organization must keep at least one active Owner.',
        { type: 'conflict' },
      );
    }
  }

  /** The last-Owner rule for a change that takes `target` out of the active Owners (deactivation, deletion). */
  async assertKeepsAnActiveHolder(em: EntityManager, target: User): Promise<void> {
    if (target.status !== 'active' || !target.roles.includes(ACCOUNT_HOLDER_ROLE)) return;
    await this.assertAnotherActiveHolder(em, target);
  }

  /**
   * Deactivates or activates a user inside the caller's transaction, with
   * every effect: the last-Owner rule, each live session revoked (audited),
   * the status change audited. Returns the revoked sessions' ids: after
   * commit, pass them to `afterAccessChange`.
   */
  async setStatusInTransaction(
    em: EntityManager,
    target: User,
    status: UserStatus,
    actor: AuditActor,
  ): Promise<string[]> {
    if (target.status === status) return [];
    if (status === 'inactive') await this.assertKeepsAnActiveHolder(em, target);
    const before = target.status;
    target.status = status;
    await em.flush();
    const revoked =
      status === 'inactive'
        ? await this.revocation.revokeAllOf(
            em,
            target.organizationId,
            target.id,
            'user deactivated',
            actor,
          )
        : [];
    await this.audit.record(em, {
      organizationId: target.organizationId,
      actor,
      action: status === 'inactive' ? 'user.deactivated' : 'user.activated',
      target: { type: 'User', id: target.id },
      changes: { status: { from: before, to: status }, revokedSessions: revoked.length },
    });
    return revoked;
  }

  /**
   * Deletes a user inside the caller's transaction: the last-Owner rule, the
   * features' cleanup (DirectoryEvents; applications refuse with 409 while the
   * user owns any and no heir is named), the deletion audited. Sessions,
   * refresh tokens and memberships go with the row (foreign keys). Returns
   * the user's session ids for `afterAccessChange`.
   */
  async deleteInTransaction(
    em: EntityManager,
    target: User,
    actor: AuditActor,
    heirId: string | undefined,
  ): Promise<string[]> {
    await this.assertKeepsAnActiveHolder(em, target);
    await this.events.userDeleting(em, {
      actor,
      organizationId: target.organizationId,
      userId: target.id,
      heirId,
    });
    const sessions = await this.revocation.allOfUser(target.organizationId, target.id);
    em.remove(target);
    await em.flush();
    await this.audit.record(em, {
      organizationId: target.organizationId,
      actor,
      action: 'user.deleted',
      target: { type: 'User', id: target.id },
      changes: {
        username: { from: target.username },
        email: { from: target.email },
        roles: { from: target.roles },
      },
    });
    return sessions.map((session) => session.id);
  }

  /** After the transaction committed: every instance refuses the revoked sessions and rebuilds the user's principal. */
  async afterAccessChange(userId: string, sessionIds: readonly string[]): Promise<void> {
    await this.revocation.forget(sessionIds);
    await this.revocation.invalidateUser(userId);
  }
}
