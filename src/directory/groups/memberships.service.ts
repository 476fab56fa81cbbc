import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, type AuditActor, AuditService } from '../../audit/audit.service';
import { DirectoryEvents } from '../directory-events';
import { AuthzService } from '../../authz/authz.service';
import type { Principal } from '../../authz/principal';
import { ProblemException } from '../../common/problem/problem';
import { scoped } from '../../infra/database/organization-owned.entity';
import { RoleCatalogService } from '../roles/role-catalog.service';
import { SessionRevocationService } from '../sessions/session-revocation.service';
import { User } from '../users/user.entity';
import { Group } from './group.entity';
import { GroupMember } from './group-member.entity';

export interface Memberships {
  groupIds: string[];
  groupRoles: string[];
}

/**
 * Who belongs to which group, and the rules of joining and leaving: a
 * membership grants the group's roles, so changing one is a grant like any
 * other (no escalation), and reaches the member's next request.
 */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly catalogs: RoleCatalogService,
    private readonly revocation: SessionRevocationService,
    private readonly events: DirectoryEvents,
  ) {}

  /** A group the caller may read; 404 otherwise (another organization's, or not theirs to see). */
  async findVisibleGroup(
    principal: Principal,
    id: string,
    em: EntityManager = this.em,
  ): Promise<Group> {
    const group = await em.findOne(Group, { id }, scoped(principal.organizationId));
    if (group === null || !this.authz.can(principal, 'read', group)) {
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such group in this organization.');
    }
    return group;
  }

  /** The caller may grant (or take away) every one of these roles. */
  async assertGrantable(principal: Principal, roleKeys: readonly string[]): Promise<void> {
    if (roleKeys.length === 0) return;
    const catalog = await this.catalogs.catalog(principal.organizationId);
    catalog.assertKnown([...roleKeys]);
    await this.authz.assertCanGrant(principal, [...roleKeys], (key) =>
      catalog.permissionsOf([key]),
    );
  }

  /** Adds users (who must exist in the organization); they inherit the group's roles at once. */
  async addMembers(principal: Principal, groupId: string, userIds: string[]): Promise<string[]> {
    const wanted = [...new Set(userIds)];
    const added = await this.em.transactional(async (em) => {
      const group = await this.findVisibleGroup(principal, groupId, em);
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
      await this.addToGroupInTransaction(em, group, fresh);
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
    await this.revocation.invalidateUsers(added);
    return added;
  }

  async removeMember(principal: Principal, groupId: string, userId: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const group = await this.findVisibleGroup(principal, groupId, em);
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
    await this.revocation.invalidateUser(userId);
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
   * Adds a user to groups inside the caller's transaction. Groups deleted
   * since the caller checked them (or that a mapping rule still names) are
   * skipped; returns the ids joined.
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

  /** Adds users (who exist and are not members yet) to a group inside the caller's transaction. */
  async addToGroupInTransaction(
    em: EntityManager,
    group: Group,
    userIds: readonly string[],
  ): Promise<void> {
    for (const userId of userIds)
      em.create(GroupMember, { groupId: group.id, userId, organizationId: group.organizationId });
    await em.flush();
  }

  /**
   * Deletes a group inside the caller's transaction: the features' cleanup
   * (DirectoryEvents), the row with its memberships, the audit event. Returns
   * the former members, whose access changed (invalidate them after commit).
   */
  async deleteGroupInTransaction(
    em: EntityManager,
    group: Group,
    actor: AuditActor,
    reason?: string,
  ): Promise<string[]> {
    const memberIds = await this.memberIds(em, group.id);
    await this.events.groupDeleting(em, {
      actor,
      organizationId: group.organizationId,
      groupId: group.id,
    });
    em.remove(group);
    await em.flush();
    await this.audit.record(em, {
      organizationId: group.organizationId,
      actor,
      action: 'group.deleted',
      target: { type: 'Group', id: group.id },
      ...(reason ? { reason } : {}),
      changes: {
        name: { from: group.name },
        roles: { from: group.roles },
        members: { from: memberIds.length },
      },
    });
    return memberIds;
  }

  /** Takes users out of a group inside the caller's transaction. */
  async removeFromGroupInTransaction(
    em: EntityManager,
    group: Group,
    userIds: readonly string[],
  ): Promise<void> {
    if (userIds.length === 0) return;
    await em.nativeDelete(GroupMember, { groupId: group.id, userId: { $in: [...userIds] } });
  }

  /** Takes a user out of groups inside the caller's transaction. */
  async leaveInTransaction(
    em: EntityManager,
    userId: string,
    groupIds: readonly string[],
  ): Promise<void> {
    if (groupIds.length === 0) return;
    await em.nativeDelete(GroupMember, { userId, groupId: { $in: [...groupIds] } });
  }

  /** Which of `groupIds` the user belongs to. */
  async memberOf(
    em: EntityManager,
    userId: string,
    groupIds: readonly string[],
  ): Promise<Set<string>> {
    if (groupIds.length === 0) return new Set();
    const members = await em.find(GroupMember, { userId, groupId: { $in: [...groupIds] } });
    return new Set(members.map((member) => member.groupId));
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

  /** Members of a group, oldest membership first. */
  async memberIds(em: EntityManager, groupId: string): Promise<string[]> {
    return (await em.find(GroupMember, { groupId }, { orderBy: { createdAt: 'asc' } })).map(
      (member) => member.userId,
    );
  }

  async memberCounts(
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
}
