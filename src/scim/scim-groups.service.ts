import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import type { Principal } from '../authz/principal';
import { Group } from '../directory/groups/group.entity';
import { MembershipsService } from '../directory/groups/memberships.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { User } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { invalidValue, notFound, ScimError } from './scim-error';
import { compileFilter, type FilterAttributes, parseFilter, type Sql } from './scim-filter';
import type { GroupChange } from './scim-patch';
import { isObject, type MemberRef } from './scim-resources';

const GROUP_FILTERS: FilterAttributes = {
  id: { type: 'id', expression: 'g.id' },
  displayname: { type: 'text', expression: 'lower(g.name)' },
  externalid: { type: 'exact', expression: 'g.external_id' },
  'meta.created': { type: 'dateTime', expression: 'g.created_at' },
  'meta.lastmodified': { type: 'dateTime', expression: 'g.updated_at' },
  'members.value': {
    type: 'custom',
    compile: (op, value) => {
      if (op !== 'eq')
        throw new ScimError(400, 'invalidFilter', '"members.value" supports eq only.');
      return {
        sql: 'exists (select 1 from group_members m where m.group_id = g.id and m.user_id::text = ?)',
        params: [String(value).toLowerCase()],
      };
    },
  },
};
GROUP_FILTERS.members = GROUP_FILTERS['members.value'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function duplicateName(error: unknown): ScimError | undefined {
  return error instanceof UniqueConstraintViolationException
    ? new ScimError(409, 'uniqueness', 'A group with this displayName already exists.')
    : undefined;
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  members: string[];
}

/** Reads a Group resource (POST, PUT). */
export function readGroup(body: unknown): GroupInput {
  if (!isObject(body)) throw invalidValue('The request body must be a JSON object.');
  const entries = Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key.toLowerCase(), value]),
  );
  const name = entries.displayname;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw invalidValue('"displayName" is required: a string of 1-100 characters.');
  }
  const externalId = entries.externalid;
  if (
    externalId !== undefined &&
    externalId !== null &&
    (typeof externalId !== 'string' || externalId.length > 254)
  ) {
    throw invalidValue('"externalId" must be a string of at most 254 characters.');
  }
  const members = entries.members ?? [];
  if (!Array.isArray(members)) throw invalidValue('"members" must be an array.');
  return {
    displayName: name.trim(),
    externalId: typeof externalId === 'string' && externalId !== '' ? externalId : null,
    members: members.map((member) => {
      const id = isObject(member)
        ? Object.entries(member).find(([key]) => key.toLowerCase() === 'value')?.[1]
        : member;
      if (typeof id !== 'string') throw invalidValue('Each member needs a "value" (a user id).');
      return id;
    }),
  };
}

/**
 * SCIM Groups over the directory. The identity provider sees and manages
 * only the groups it created (scimManaged): it names them and sets their
 * members; an admin decides which roles such a group carries, knowingly
 * delegating who holds them to the IdP. Groups made in Warden stay out of its reach.
 */
@Injectable()
export class ScimGroupsService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly memberships: MembershipsService,
    private readonly revocation: SessionRevocationService,
  ) {}

  async list(
    principal: Principal,
    query: { filter?: string; startIndex: number; count: number; withMembers: boolean },
  ): Promise<{
    groups: Array<{ group: Group; members: MemberRef[] | null }>;
    totalResults: number;
  }> {
    const condition: Sql = query.filter
      ? compileFilter(parseFilter(query.filter), GROUP_FILTERS)
      : { sql: 'true', params: [] };
    const connection = this.em.getConnection();
    const where = `g.organization_id = ? and g.scim_managed and ${condition.sql}`;
    const params = [principal.organizationId, ...condition.params];
    const [{ total }] = await connection.execute<Array<{ total: string }>>(
      `select count(*) as total from groups g where ${where}`,
      params,
    );
    const totalResults = Number(total);
    if (query.count === 0 || query.startIndex > totalResults) return { groups: [], totalResults };
    const rows = await connection.execute<Array<{ id: string }>>(
      `select g.id from groups g where ${where} order by g.created_at, g.id limit ? offset ?`,
      [...params, query.count, query.startIndex - 1],
    );
    const ids = rows.map((row) => row.id);
    const found = await this.em.find(Group, { id: { $in: ids } }, scoped(principal.organizationId));
    const byId = new Map(found.map((group) => [group.id, group]));
    const members = query.withMembers ? await this.membersOf(ids) : null;
    return {
      groups: ids.flatMap((id) => {
        const group = byId.get(id);
        return group ? [{ group, members: members ? (members.get(id) ?? []) : null }] : [];
      }),
      totalResults,
    };
  }

  async get(principal: Principal, id: string, withMembers: boolean) {
    const group = await this.find(this.em, principal, id);
    const members = withMembers ? ((await this.membersOf([group.id])).get(group.id) ?? []) : null;
    return { group, members };
  }

  async memberIds(principal: Principal, id: string): Promise<string[]> {
    const group = await this.find(this.em, principal, id);
    return this.memberships.memberIds(this.em, group.id);
  }

  async create(principal: Principal, input: GroupInput): Promise<Group> {
    try {
      const { group, added } = await this.em.fork().transactional(async (em) => {
        const created = em.create(Group, {
          organizationId: principal.organizationId,
          name: input.displayName,
          externalId: input.externalId,
          scimManaged: true,
          roles: [],
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'group.created',
          target: { type: 'Group', id: created.id },
          reason: 'scim',
          changes: {
            name: { to: created.name },
            externalId: { to: created.externalId },
            roles: { to: [] },
          },
        });
        const joined = await this.changeMembers(em, principal, created, {
          add: input.members,
          remove: [],
        });
        return { group: created, added: joined };
      });
      await this.revocation.invalidateUsers(added);
      return group;
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  /** PATCH and PUT: a new name or externalId and member changes, in one transaction; nothing recorded when nothing changes. */
  async change(principal: Principal, id: string, change: GroupChange): Promise<Group> {
    try {
      const { group, affected } = await this.em.fork().transactional(async (em) => {
        const target = await this.find(em, principal, id);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (change.displayName !== undefined && change.displayName !== target.name) {
          changes.name = { from: target.name, to: change.displayName };
          target.name = change.displayName;
        }
        if (change.externalId !== undefined && change.externalId !== target.externalId) {
          changes.externalId = { from: target.externalId, to: change.externalId };
          target.externalId = change.externalId;
        }
        if (Object.keys(changes).length > 0) {
          await em.flush();
          await this.audit.record(em, {
            organizationId: principal.organizationId,
            actor: actorOf(principal),
            action: 'group.updated',
            target: { type: 'Group', id: target.id },
            reason: 'scim',
            changes,
          });
        }
        const touched = change.members
          ? await this.changeMembers(em, principal, target, change.members)
          : [];
        return { group: target, affected: touched };
      });
      await this.revocation.invalidateUsers(affected);
      return group;
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const members = await this.em.fork().transactional(async (em) => {
      const group = await this.find(em, principal, id);
      return this.memberships.deleteGroupInTransaction(em, group, actorOf(principal), 'scim');
    });
    await this.revocation.invalidateUsers(members);
  }

  /**
   * Adds and removes members inside the transaction (each change audited with
   * the roles the group carries); every user added must exist in the
   * organization. Returns the users whose access changed.
   */
  private async changeMembers(
    em: EntityManager,
    principal: Principal,
    group: Group,
    members: { add: string[]; remove: string[] },
  ): Promise<string[]> {
    const current = new Set(await this.memberships.memberIds(em, group.id));
    const add = [...new Set(members.add)].filter((userId) => !current.has(userId));
    const remove = [...new Set(members.remove)].filter((userId) => current.has(userId));
    if (add.length > 0) {
      const valid = add.filter((userId) => UUID.test(userId));
      const found = new Set(
        (await em.find(User, { id: { $in: valid } }, scoped(principal.organizationId))).map(
          (user) => user.id,
        ),
      );
      const missing = add.filter((userId) => !found.has(userId));
      if (missing.length > 0)
        throw invalidValue(`No such user(s) in this organization: ${missing.join(', ')}.`);
      await this.memberships.addToGroupInTransaction(em, group, add);
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'group.membersAdded',
        target: { type: 'Group', id: group.id },
        reason: 'scim',
        changes: { members: { added: add }, inheritedRoles: group.roles },
      });
    }
    if (remove.length > 0) {
      await this.memberships.removeFromGroupInTransaction(em, group, remove);
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'group.membersRemoved',
        target: { type: 'Group', id: group.id },
        reason: 'scim',
        changes: { members: { removed: remove }, inheritedRoles: group.roles },
      });
    }
    return [...add, ...remove];
  }

  private async find(em: EntityManager, principal: Principal, id: string): Promise<Group> {
    const group = UUID.test(id)
      ? await em.findOne(Group, { id, scimManaged: true }, scoped(principal.organizationId))
      : null;
    if (group === null) throw notFound('Group');
    return group;
  }

  private async membersOf(groupIds: string[]): Promise<Map<string, MemberRef[]>> {
    const result = new Map<string, MemberRef[]>();
    if (groupIds.length === 0) return result;
    const rows = await this.em
      .getConnection()
      .execute<Array<{ group_id: string; id: string; display: string }>>(
        `select m.group_id, u.id, coalesce(u.display_name, u.username) as display
           from group_members m join users u on u.id = m.user_id
          where m.group_id in (?) order by m.created_at, u.id`,
        [groupIds],
      );
    for (const row of rows)
      result.set(row.group_id, [
        ...(result.get(row.group_id) ?? []),
        { id: row.id, display: row.display },
      ]);
    return result;
  }
}
