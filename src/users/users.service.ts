import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService, selfOf } from '../authz/authz.service';
import { BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { MembershipsService } from '../directory/groups/memberships.service';
import { PasswordHasher } from '../directory/password/password-hasher';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { User } from '../directory/users/user.entity';
import { duplicateProblem, UserDirectoryService } from '../directory/users/user-directory.service';
import type { CreateUserDto } from './dto/user.dto';

/**
 * Creating users and changing one's own profile. Every method takes the acting principal, checks the
 * object with the caller's ability (never role names), changes state and
 * records the audit event in one transaction.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly hasher: PasswordHasher,
    private readonly directory: UserDirectoryService,
    private readonly groups: MembershipsService,
  ) {}

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
    this.directory.assertEmailRule(roles, input.email ?? null);
    await this.groups.assertCanPlaceIn(principal, input.groupIds ?? []);
    const organization = await this.directory.organization(principal.organizationId);
    this.directory.assertPassword(
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

  /** Profile fields a user may change on themselves (field-level rule: displayName). */
  async updateOwnProfile(principal: Principal, changes: { displayName?: string }): Promise<User> {
    return this.em.transactional(async (em) => {
      const user = await this.directory.findVisible(principal, selfOf(principal), em);
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
}
