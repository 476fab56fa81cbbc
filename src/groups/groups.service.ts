import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { scoped } from '../infra/database/organization-owned.entity';
import { MembershipsService } from '../directory/groups/memberships.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { User } from '../directory/users/user.entity';
import type { CreateGroupDto, UpdateGroupDto } from './dto/group.dto';
import { Group } from '../directory/groups/group.entity';

function duplicateName(error: unknown): ProblemException | undefined {
  return error instanceof UniqueConstraintViolationException
    ? new ProblemException(HttpStatus.CONFLICT, 'Group name already exists', { type: 'conflict' })
    : undefined;
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
    private readonly memberships: MembershipsService,
    private readonly revocation: SessionRevocationService,
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
    const counts = await this.memberships.memberCounts(groups.map((group) => group.id));
    return groups.map((group) => ({ group, memberCount: counts.get(group.id) ?? 0 }));
  }

  async get(
    principal: Principal,
    id: string,
    em: EntityManager = this.em,
  ): Promise<{ group: Group; memberCount: number }> {
    const group = await this.memberships.findVisibleGroup(principal, id, em);
    return {
      group,
      memberCount: (await this.memberships.memberCounts([group.id], em)).get(group.id) ?? 0,
    };
  }

  async create(principal: Principal, input: CreateGroupDto): Promise<Group> {
    await this.authz.assert(
      principal,
      'create',
      asSubject('Group', { organizationId: principal.organizationId }),
    );
    const roles = [...new Set(input.roles ?? [])];
    await this.memberships.assertGrantable(principal, roles);
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
          await this.memberships.assertGrantable(principal, [...added, ...removed]);
          if (added.length + removed.length > 0) {
            changes.roles = { from: group.roles, to: roles };
            group.roles = roles;
            affected = await this.memberships.memberIds(em, group.id);
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
      await this.revocation.invalidateUsers(affected);
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
      await this.memberships.assertGrantable(principal, group.roles);
      return this.memberships.deleteGroupInTransaction(em, group, actorOf(principal));
    });
    await this.revocation.invalidateUsers(members);
  }

  /** The members of a group the caller may read, by username. */
  async members(principal: Principal, id: string): Promise<User[]> {
    const { group } = await this.get(principal, id);
    const ids = await this.memberships.memberIds(this.em, group.id);
    return this.em.find(
      User,
      { id: { $in: ids } },
      { ...scoped(principal.organizationId), orderBy: { username: 'asc' } },
    );
  }

  addMembers(principal: Principal, id: string, userIds: string[]): Promise<string[]> {
    return this.memberships.addMembers(principal, id, userIds);
  }

  removeMember(principal: Principal, id: string, userId: string): Promise<void> {
    return this.memberships.removeMember(principal, id, userId);
  }
}
