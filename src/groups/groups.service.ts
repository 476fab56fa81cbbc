import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { scoped } from '../infra/database/organization-owned.entity';
import { RolesService } from '../roles/roles.service';
import { SessionsService } from '../sessions/sessions.service';
import { User } from '../users/entities/user.entity';
import type { CreateGroupDto, UpdateGroupDto } from './dto/group.dto';
import { Group } from './entities/group.entity';
import { GroupMember } from './entities/group-member.entity';

const notFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such group in this organization.');

function duplicateName(error: unknown): ProblemException | undefined {
  return error instanceof UniqueConstraintViolationException
    ? new ProblemException(HttpStatus.CONFLICT, 'Group name already exists', { type: 'conflict' })
    : undefined;
}

export interface Memberships {
  groupIds: string[];
  groupRoles: string[];
}

/**
 * Groups carry roles to their members. Granting a role through a group is a
 * grant like any other (no escalation), and every change of membership or of
 * a group's roles reaches the members' next request.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RolesService,
    private readonly sessions: SessionsService,
    private readonly applications: ApplicationsService,
  ) {}

  /** Groups the caller may read (all, or only their own), with member counts. */
  async list(principal: Principal): Promise<Array<{ group: Group; memberCount: number }>> {
    const visible = this.authz.where(principal, 'read', 'Group');
    if (visible === null) return [];
    const groups = await this.em.find(Group, visible, {
      ...scoped(principal.organizationId),
      orderBy: { name: 'asc' },
      limit: 200,
    });
    const counts = await this.memberCounts(groups.map((group) => group.id));
    return groups.map((group) => ({ group, memberCount: counts.get(group.id) ?? 0 }));
  }

  async get(
    principal: Principal,
    id: string,
    em: EntityManager = this.em,
  ): Promise<{ group: Group; memberCount: number }> {
    const group = await em.findOne(Group, { id }, scoped(principal.organizationId));
    if (group === null || !this.authz.can(principal, 'read', group)) throw notFound();
    return { group, memberCount: (await this.memberCounts([group.id], em)).get(group.id) ?? 0 };
  }

  async create(principal: Principal, input: CreateGroupDto): Promise<Group> {
    await this.authz.assert(
      principal,
      'create',
      asSubject('Group', { organizationId: principal.organizationId }),
    );
    const roles = [...new Set(input.roles ?? [])];
    await this.assertGrantable(principal, roles);
    try {
      return await this.em.transactional(async (em) => {
        const group = em.create(Group, {
          organizationId: principal.organizationId,
          name: input.name,
          description: input.description ?? null,
          roles,
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'group.created',
          target: { type: 'Group', id: group.id },
          changes: { name: { to: group.name }, roles: { to: group.roles } },
        });
        return group;
      });
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  async update(
    principal: Principal,
    id: string,
    input: UpdateGroupDto,
  ): Promise<{ group: Group; memberCount: number }> {
    let affected: string[] = [];
    try {
      const result = await this.em.transactional(async (em) => {
        const { group, memberCount } = await this.get(principal, id, em);
        await this.authz.assert(principal, 'update', group);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (input.roles !== undefined) {
          const roles = [...new Set(input.roles)];
          const added = roles.filter((key) => !group.roles.includes(key));
          const removed = group.roles.filter((key) => !roles.includes(key));
          await this.assertGrantable(principal, [...added, ...removed]);
          if (added.length + removed.length > 0) {
            changes.roles = { from: group.roles, to: roles };
            group.roles = roles;
            affected = await this.memberIds(em, group.id);
          }
        }
        for (const field of ['name', 'description'] as const) {
          const next = input[field];
          if (next !== undefined && next !== group[field]) {
            changes[field] = { from: group[field], to: next };
            group[field] = next;
          }
        }
        await em.flush();
        if (Object.keys(changes).length === 0) return { group, memberCount };
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'group.updated',
          target: { type: 'Group', id: group.id },
          changes,
        });
        return { group, memberCount };
      });
      await this.invalidate(affected);
      return result;
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  /** Deleting a group takes its roles from every member at once, and its assignments and policy entries. */
  async remove(principal: Principal, id: string): Promise<void> {
    const members = await this.em.transactional(async (em) => {
      const { group } = await this.get(principal, id, em);
      await this.authz.assert(principal, 'delete', group);
      await this.assertGrantable(principal, group.roles);
      const memberIds = await this.memberIds(em, group.id);
      await this.applications.releaseGroup(em, group.organizationId, group.id);
      em.remove(group);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'group.deleted',
        target: { type: 'Group', id: group.id },
        changes: {
          name: { from: group.name },
          roles: { from: group.roles },
          members: { from: memberIds.length },
        },
      });
      return memberIds;
    });
    await this.invalidate(members);
  }

  /** The members of a group the caller may read, by username. */
  async members(principal: Principal, id: string): Promise<User[]> {
    const { group } = await this.get(principal, id);
    const ids = await this.memberIds(this.em, group.id);
    return this.em.find(
      User,
      { id: { $in: ids } },
      { ...scoped(principal.organizationId), orderBy: { username: 'asc' } },
    );
  }

  /** Adds users (who must exist in the organization); they inherit the group's roles at once. */
  async addMembers(principal: Principal, id: string, userIds: string[]): Promise<string[]> {
    const wanted = [...new Set(userIds)];
    const added = await this.em.transactional(async (em) => {
      const { group } = await this.get(principal, id, em);
      await this.authz.assert(principal, 'update', group);
      await this.assertGrantable(principal, group.roles);
      const found = new Set(
        (await em.find(User, { id: { $in: wanted } }, scoped(principal.organizationId))).map(
          (user) => user.id,
        ),
      );
      const missing = wanted.filter((userId) => !found.has(userId));
      if (missing.length > 0) {
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          `No such user(s) in this organization: ${missing.join(', ')}.`,
        );
      }
      const already = new Set(await this.memberIds(em, group.id));
      const fresh = wanted.filter((userId) => !already.has(userId));
      for (const userId of fresh)
        em.create(GroupMember, {
          groupId: group.id,
          userId,
          organizationId: principal.organizationId,
        });
      await em.flush();
      if (fresh.length > 0) {
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'group.membersAdded',
          target: { type: 'Group', id: group.id },
          changes: { members: { added: fresh }, inheritedRoles: group.roles },
        });
      }
      return fresh;
    });
    await this.invalidate(added);
    return added;
  }

  async removeMember(principal: Principal, id: string, userId: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const { group } = await this.get(principal, id, em);
      await this.authz.assert(principal, 'update', group);
      await this.assertGrantable(principal, group.roles);
      const deleted = await em.nativeDelete(GroupMember, { groupId: group.id, userId });
      if (deleted === 0)
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          'That user is not a member of this group.',
        );
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'group.memberRemoved',
        target: { type: 'Group', id: group.id },
        changes: { members: { removed: [userId] }, inheritedRoles: group.roles },
      });
    });
    await this.invalidate([userId]);
  }

  /**
   * Before a new user is placed in groups (POST /users, invites): every group
   * must exist in the organization, and the caller must be allowed to change
   * its members and to grant the roles it carries.
   */
  async assertCanPlaceIn(principal: Principal, groupIds: readonly string[]): Promise<void> {
    const wanted = [...new Set(groupIds)];
    if (wanted.length === 0) return;
    const groups = await this.em.find(
      Group,
      { id: { $in: wanted } },
      scoped(principal.organizationId),
    );
    const found = new Set(groups.map((group) => group.id));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        `No such group(s) in this organization: ${missing.join(', ')}.`,
      );
    }
    for (const group of groups) await this.authz.assert(principal, 'update', group);
    await this.assertGrantable(principal, [...new Set(groups.flatMap((group) => group.roles))]);
  }

  /**
   * Adds a just-created user to groups inside the caller's transaction. Groups
   * deleted since the caller checked them are skipped; returns the ids joined.
   */
  async joinInTransaction(
    em: EntityManager,
    organizationId: string,
    userId: string,
    groupIds: readonly string[],
  ): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const groups = await em.find(
      Group,
      { id: { $in: [...new Set(groupIds)] } },
      scoped(organizationId),
    );
    for (const group of groups)
      em.create(GroupMember, { groupId: group.id, userId, organizationId });
    await em.flush();
    return groups.map((group) => group.id);
  }

  /** A user's groups and the roles they inherit from them: what their principal is built from. */
  async membershipsOf(organizationId: string, userId: string): Promise<Memberships> {
    const rows = await this.em.getConnection().execute<Array<{ id: string; roles: string[] }>>(
      `select g.id, g.roles from group_members m join groups g on g.id = m.group_id
        where m.user_id = ? and g.organization_id = ?`,
      [userId, organizationId],
    );
    return {
      groupIds: rows.map((row) => row.id),
      groupRoles: [...new Set(rows.flatMap((row) => row.roles))],
    };
  }

  /** `{ id, name }` of each user's groups, for user objects. */
  async groupsOfUsers(
    organizationId: string,
    userIds: string[],
  ): Promise<Map<string, Array<{ id: string; name: string }>>> {
    const result = new Map<string, Array<{ id: string; name: string }>>();
    if (userIds.length === 0) return result;
    const rows = await this.em
      .getConnection()
      .execute<Array<{ user_id: string; id: string; name: string }>>(
        `select m.user_id, g.id, g.name from group_members m join groups g on g.id = m.group_id
        where g.organization_id = ? and m.user_id in (?) order by g.name`,
        [organizationId, userIds],
      );
    for (const row of rows)
      result.set(row.user_id, [...(result.get(row.user_id) ?? []), { id: row.id, name: row.name }]);
    return result;
  }

  private async memberIds(em: EntityManager, groupId: string): Promise<string[]> {
    return (await em.find(GroupMember, { groupId }, { orderBy: { createdAt: 'asc' } })).map(
      (member) => member.userId,
    );
  }

  private async memberCounts(
    groupIds: string[],
    em: EntityManager = this.em,
  ): Promise<Map<string, number>> {
    if (groupIds.length === 0) return new Map();
    const rows = await em
      .getConnection()
      .execute<Array<{ group_id: string; count: string }>>(
        'select group_id, count(*) as count from group_members where group_id in (?) group by group_id',
        [groupIds],
      );
    return new Map(rows.map((row) => [row.group_id, Number(row.count)]));
  }

  private async assertGrantable(principal: Principal, roleKeys: string[]): Promise<void> {
    if (roleKeys.length === 0) return;
    const catalog = await this.roles.catalog(principal.organizationId);
    catalog.assertKnown(roleKeys);
    await this.authz.assertCanGrant(principal, roleKeys, (key) => catalog.permissionsOf([key]));
  }

  private async invalidate(userIds: string[]): Promise<void> {
    await Promise.all(userIds.map((userId) => this.sessions.invalidateUser(userId)));
  }
}
