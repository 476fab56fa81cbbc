import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { PasswordHasher } from '../directory/password/password-hasher';
import type { EnterpriseAttributes, User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { User as UserEntity } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { notFound, ScimError } from './scim-error';
import { compileFilter, type FilterAttributes, parseFilter, type Sql } from './scim-filter';
import { type GroupRef, readUser, type ScimUserInput } from './scim-resources';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a SCIM filter may name on a User, and the SQL it becomes (indexed: userName, externalId, email). */
const USER_FILTERS: FilterAttributes = {
  id: { type: 'id', expression: 'u.id' },
  username: { type: 'text', expression: 'lower(u.username)' },
  externalid: { type: 'exact', expression: 'u.external_id' },
  displayname: { type: 'text', expression: 'lower(u.display_name)' },
  'name.givenname': { type: 'text', expression: 'lower(u.given_name)' },
  'name.familyname': { type: 'text', expression: 'lower(u.family_name)' },
  'name.formatted': { type: 'text', expression: 'lower(u.formatted_name)' },
  locale: { type: 'text', expression: 'lower(u.locale)' },
  emails: { type: 'text', expression: 'lower(u.email)' },
  'emails.value': { type: 'text', expression: 'lower(u.email)' },
  // Warden keeps one address, shown as the primary work one.
  'emails.type': {
    type: 'custom',
    compile: (op, value) =>
      op === 'pr' || (op === 'eq' && String(value).toLowerCase() === 'work')
        ? { sql: 'u.email is not null', params: [] }
        : op === 'ne' && String(value).toLowerCase() === 'work'
          ? { sql: 'false', params: [] }
          : { sql: op === 'ne' ? 'u.email is not null' : 'false', params: [] },
  },
  'emails.primary': {
    type: 'custom',
    compile: (op, value) => ({
      sql:
        (op === 'eq') === (value === true || String(value).toLowerCase() === 'true') || op === 'pr'
          ? 'u.email is not null'
          : 'u.email is null',
      params: [],
    }),
  },
  active: {
    type: 'custom',
    compile: (op, value) => {
      if (op === 'pr') return { sql: 'true', params: [] };
      const wanted = value === true || String(value).toLowerCase() === 'true';
      if (
        (op !== 'eq' && op !== 'ne') ||
        (typeof value !== 'boolean' && !/^(true|false)$/i.test(String(value)))
      ) {
        throw new ScimError(
          400,
          'invalidFilter',
          '"active" is a boolean: use eq or ne with true or false.',
        );
      }
      return {
        sql: (op === 'eq') === wanted ? "u.status = 'active'" : "u.status <> 'active'",
        params: [],
      };
    },
  },
  'meta.created': { type: 'dateTime', expression: 'u.created_at' },
  'meta.lastmodified': { type: 'dateTime', expression: 'u.updated_at' },
  'enterprise.employeenumber': {
    type: 'text',
    expression: "lower(u.enterprise->>'employeeNumber')",
  },
  'enterprise.department': { type: 'text', expression: "lower(u.enterprise->>'department')" },
  'enterprise.costcenter': { type: 'text', expression: "lower(u.enterprise->>'costCenter')" },
  'enterprise.organization': { type: 'text', expression: "lower(u.enterprise->>'organization')" },
  'enterprise.division': { type: 'text', expression: "lower(u.enterprise->>'division')" },
  'enterprise.manager': { type: 'exact', expression: "u.enterprise->>'managerId'" },
  'enterprise.manager.value': { type: 'exact', expression: "u.enterprise->>'managerId'" },
  'groups.value': {
    type: 'custom',
    compile: (op, value) => {
      if (op !== 'eq')
        throw new ScimError(400, 'invalidFilter', '"groups.value" supports eq only.');
      return {
        sql: 'exists (select 1 from group_members m join groups g on g.id = m.group_id where m.user_id = u.id and g.scim_managed and g.id::text = ?)',
        params: [String(value).toLowerCase()],
      };
    },
  },
};

/** jsonb keeps keys in its own order: compare the extension's values, not its spelling. */
function sameAttributes(a: EnterpriseAttributes, b: EnterpriseAttributes): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof EnterpriseAttributes>);
  return [...keys].every((key) => (a[key] ?? null) === (b[key] ?? null));
}

export interface UserPage {
  users: Array<{ user: User; groups: GroupRef[] }>;
  totalResults: number;
}

function uniqueness(error: unknown): ScimError | undefined {
  if (!(error instanceof UniqueConstraintViolationException)) return undefined;
  const what = error.message.includes('users_org_email_unique') ? 'email' : 'userName';
  return new ScimError(409, 'uniqueness', `A user with this ${what} already exists.`);
}

/**
 * SCIM Users over the directory: a SCIM user is a Warden user (same id, same
 * rules, same audit trail). The API key's SCIM grant is the authority: it
 * provisions users with the baseline role only (groups carry roles, set by
 * admins), and every rule of the directory still holds (last Owner, email
 * rule, password policy, deletion of application owners).
 */
@Injectable()
export class ScimUsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly users: UserDirectoryService,
    private readonly hasher: PasswordHasher,
  ) {}

  async list(
    principal: Principal,
    query: { filter?: string; startIndex: number; count: number },
  ): Promise<UserPage> {
    const condition: Sql = query.filter
      ? compileFilter(parseFilter(query.filter), USER_FILTERS)
      : { sql: 'true', params: [] };
    const connection = this.em.getConnection();
    const where = `u.organization_id = ? and ${condition.sql}`;
    const params = [principal.organizationId, ...condition.params];
    const [{ total }] = await connection.execute<Array<{ total: string }>>(
      `select count(*) as total from users u where ${where}`,
      params,
    );
    const totalResults = Number(total);
    if (query.count === 0 || query.startIndex > totalResults) return { users: [], totalResults };
    const rows = await connection.execute<Array<{ id: string }>>(
      `select u.id from users u where ${where} order by u.created_at, u.id limit ? offset ?`,
      [...params, query.count, query.startIndex - 1],
    );
    const ids = rows.map((row) => row.id);
    const found = await this.em.find(
      UserEntity,
      { id: { $in: ids } },
      scoped(principal.organizationId),
    );
    const byId = new Map(found.map((user) => [user.id, user]));
    const groups = await this.groupsOf(principal.organizationId, ids);
    return {
      users: ids.flatMap((id) => {
        const user = byId.get(id);
        return user ? [{ user, groups: groups.get(id) ?? [] }] : [];
      }),
      totalResults,
    };
  }

  async get(principal: Principal, id: string): Promise<{ user: User; groups: GroupRef[] }> {
    const user = await this.find(this.em, principal, id);
    return {
      user,
      groups: (await this.groupsOf(principal.organizationId, [user.id])).get(user.id) ?? [],
    };
  }

  /** POST /Users: a new baseline user; 409 uniqueness when the userName or email is taken. */
  async create(principal: Principal, body: unknown): Promise<User> {
    const input = readUser(body);
    const organization = await this.users.organization(principal.organizationId);
    const passwordHash = await this.passwordHash(input, organization);
    try {
      return await this.em.fork().transactional(async (em) => {
        const user = em.create(UserEntity, {
          organizationId: principal.organizationId,
          username: input.userName,
          email: input.email,
          displayName: input.displayName,
          externalId: input.externalId,
          givenName: input.givenName,
          familyName: input.familyName,
          formattedName: input.formattedName,
          locale: input.locale,
          enterprise: input.enterprise,
          status: input.active === false ? 'inactive' : 'active',
          roles: [BASELINE_ROLE],
          passwordHash: passwordHash ?? null,
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'user.provisioned',
          target: { type: 'User', id: user.id },
          reason: 'scim',
          changes: {
            username: { to: user.username },
            email: { to: user.email },
            externalId: { to: user.externalId },
            status: { to: user.status },
            roles: { to: user.roles },
          },
        });
        return user;
      });
    } catch (error) {
      throw uniqueness(error) ?? error;
    }
  }

  /**
   * PUT /Users/:id, and PATCH once applied: stores the resource as given.
   * Unchanged values change nothing and record nothing (IdPs PUT the same
   * object again and again); `active: false` deactivates with every effect.
   */
  async replace(principal: Principal, id: string, input: ScimUserInput): Promise<User> {
    const organization = await this.users.organization(principal.organizationId);
    const passwordHash = await this.passwordHash(input, organization);
    try {
      const { user, revoked, statusChanged } = await this.em.fork().transactional(async (em) => {
        const target = await this.find(em, principal, id);
        const actor = actorOf(principal);
        const next = {
          username: input.userName,
          email: input.email,
          displayName: input.displayName,
          externalId: input.externalId,
          givenName: input.givenName,
          familyName: input.familyName,
          formattedName: input.formattedName,
          locale: input.locale,
        };
        const changes: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(next) as Array<
          [keyof typeof next, string | null]
        >) {
          if (target[field] !== value) changes[field] = { from: target[field], to: value };
        }
        if (!sameAttributes(target.enterprise ?? {}, input.enterprise)) {
          changes.enterprise = { from: target.enterprise, to: input.enterprise };
        }
        if (changes.email) this.users.assertEmailRule(target.roles, input.email);
        if (passwordHash !== undefined) changes.password = 'changed';
        if (Object.keys(changes).length > 0) {
          em.assign(target, { ...next, enterprise: input.enterprise });
          if (passwordHash !== undefined) target.passwordHash = passwordHash;
          await em.flush();
          await this.audit.record(em, {
            organizationId: principal.organizationId,
            actor,
            action: 'user.updated',
            target: { type: 'User', id: target.id },
            reason: 'scim',
            changes,
          });
        }
        const status =
          input.active === undefined ? target.status : input.active ? 'active' : 'inactive';
        const changed = status !== target.status;
        const revokedIds = await this.users.setStatusInTransaction(em, target, status, actor);
        return { user: target, revoked: revokedIds, statusChanged: changed };
      });
      if (statusChanged) await this.users.afterAccessChange(user.id, revoked);
      return user;
    } catch (error) {
      throw uniqueness(error) ?? error;
    }
  }

  /** DELETE /Users/:id: Warden's deletion rules; no ownership transfer over SCIM (409 while the user owns applications). */
  async remove(principal: Principal, id: string): Promise<void> {
    const sessions = await this.em.fork().transactional(async (em) => {
      const target = await this.find(em, principal, id);
      return this.users.deleteInTransaction(em, target, actorOf(principal), undefined);
    });
    await this.users.afterAccessChange(id, sessions);
  }

  private async find(em: EntityManager, principal: Principal, id: string): Promise<User> {
    const user = UUID.test(id)
      ? await em.findOne(UserEntity, { id }, scoped(principal.organizationId))
      : null;
    if (user === null) throw notFound('User');
    return user;
  }

  private async passwordHash(
    input: ScimUserInput,
    organization: Awaited<ReturnType<UserDirectoryService['organization']>>,
  ): Promise<string | undefined> {
    if (input.password === undefined) return undefined;
    try {
      this.users.assertPassword(
        input.password,
        { username: input.userName, email: input.email },
        organization,
      );
    } catch (error) {
      throw new ScimError(400, 'invalidValue', (error as Error).message);
    }
    return this.hasher.hash(input.password);
  }

  /** The SCIM-managed groups of each user (the `groups` attribute). */
  private async groupsOf(
    organizationId: string,
    userIds: string[],
  ): Promise<Map<string, GroupRef[]>> {
    const result = new Map<string, GroupRef[]>();
    if (userIds.length === 0) return result;
    const rows = await this.em
      .getConnection()
      .execute<Array<{ user_id: string; id: string; name: string }>>(
        `select m.user_id, g.id, g.name from group_members m join groups g on g.id = m.group_id
          where g.organization_id = ? and g.scim_managed and m.user_id in (?) order by g.name`,
        [organizationId, userIds],
      );
    for (const row of rows)
      result.set(row.user_id, [...(result.get(row.user_id) ?? []), { id: row.id, name: row.name }]);
    return result;
  }
}
