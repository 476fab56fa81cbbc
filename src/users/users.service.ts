import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../directory/password/password-hasher';
import { passwordProblems } from '../directory/password/password-policy';
import { asSubject, AuthzService, selfOf } from '../authz/authz.service';
import { ACCOUNT_HOLDER_ROLE, BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { GroupsService } from '../groups/groups.service';
import { sameIgnoringCase } from '../infra/database/case-insensitive';
import { scoped } from '../infra/database/organization-owned.entity';
import type { Organization } from '../organizations/entities/organization.entity';
import { OrganizationsService } from '../organizations/organizations.service';
import { effectiveSettings } from '../organizations/organization-settings';
import { RolesService } from '../roles/roles.service';
import type { CreateUserDto } from './dto/user.dto';
import { User } from './entities/user.entity';

/** Turns the unique indexes' violations into the messages users expect. */
export function duplicateProblem(error: unknown): ProblemException | undefined {
  if (!(error instanceof UniqueConstraintViolationException)) return undefined;
  const detail = error.message.includes('users_org_email_unique')
    ? 'Email already exists'
    : 'Username already exists';
  return new ProblemException(HttpStatus.CONFLICT, detail, { type: 'conflict' });
}

/**
 * The user lifecycle. Every method takes the acting principal, checks the
 * object with the caller's ability (never role names), changes state and
 * records the audit event in one transaction.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RolesService,
    private readonly hasher: PasswordHasher,
    private readonly organizations: OrganizationsService,
    private readonly groups: GroupsService,
  ) {}

  /** A user the caller may read; 404 otherwise (another organization's, or not theirs to see). */
  async findVisible(principal: Principal, id: string, em: EntityManager = this.em): Promise<User> {
    const user = await em.findOne(User, { id }, scoped(principal.organizationId));
    if (user === null || !this.authz.can(principal, 'read', user)) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such user in this organization.');
    }
    return user;
  }

  /** For sign-in: a user of the organization by username or email, ignoring case. */
  async findByLogin(organizationId: string, login: string): Promise<User | null> {
    const value = login.trim().toLowerCase();
    return this.em.fork().findOne(
      User,
      {
        $or: [sameIgnoringCase('username', value), sameIgnoringCase('email', value)],
      },
      scoped(organizationId),
    );
  }

  async create(principal: Principal, input: CreateUserDto): Promise<User> {
    const roles = [...new Set(input.roles ?? [BASELINE_ROLE])];
    const catalog = await this.roles.catalog(principal.organizationId);
    catalog.assertKnown(roles);
    await this.authz.assert(
      principal,
      'create',
      asSubject('User', { organizationId: principal.organizationId }),
    );
    await this.authz.assertCanGrant(principal, roles, (key) => catalog.permissionsOf([key]));
    this.assertEmailRule(roles, input.email ?? null);
    await this.groups.assertCanPlaceIn(principal, input.groupIds ?? []);
    const organization = await this.organization(principal.organizationId);
    this.assertPassword(
      input.password,
      { ...input, organizationName: organization.name },
      organization,
    );
    const passwordHash = await this.hasher.hash(input.password);
    try {
      return await this.em.transactional(async (em) => {
        const user = em.create(User, {
          organizationId: principal.organizationId,
          username: input.username,
          email: input.email ?? null,
          displayName: input.displayName ?? null,
          status: input.status ?? 'active',
          roles,
          passwordHash,
        });
        await em.flush();
        const groupIds = await this.groups.joinInTransaction(
          em,
          principal.organizationId,
          user.id,
          input.groupIds ?? [],
        );
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'user.created',
          target: { type: 'User', id: user.id },
          changes: {
            username: { to: user.username },
            email: { to: user.email },
            displayName: { to: user.displayName },
            status: { to: user.status },
            roles: { to: user.roles },
            ...(groupIds.length > 0 ? { groups: { to: groupIds } } : {}),
          },
        });
        return user;
      });
    } catch (error) {
      throw duplicateProblem(error) ?? error;
    }
  }

  /**
   * A user who creates themselves: self-registration (a baseline user) or an
   * organization's first Owner. Recorded as their own action, in the caller's
   * transaction when one is given.
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

  /** Profile fields a user may change on themselves (field-level rule: displayName). */
  async updateOwnProfile(principal: Principal, changes: { displayName?: string }): Promise<User> {
    return this.em.transactional(async (em) => {
      const user = await this.findVisible(principal, selfOf(principal), em);
      const diff: Record<string, { from: unknown; to: unknown }> = {};
      if (changes.displayName !== undefined && changes.displayName !== user.displayName) {
        await this.authz.assert(principal, 'update', user, 'displayName');
        diff.displayName = { from: user.displayName, to: changes.displayName };
        user.displayName = changes.displayName;
      }
      await em.flush();
      if (Object.keys(diff).length > 0) {
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'user.updated',
          target: { type: 'User', id: user.id },
          changes: diff,
        });
      }
      return user;
    });
  }

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

  async organization(organizationId: string): Promise<Organization> {
    const organization = await this.organizations.findById(organizationId);
    if (organization === null)
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such organization.');
    return organization;
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

  /** Rule 2: the organization always keeps an active account holder. */
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
}
