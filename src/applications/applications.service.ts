import { raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable, type OnModuleInit } from '@nestjs/common';
import { type AuditActor, actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService, selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';
import { ProblemException } from '../common/problem/problem';
import { DirectoryEvents } from '../directory/directory-events';
import { Group } from '../directory/groups/group.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { User } from '../directory/users/user.entity';
import type {
  AssignmentsDto,
  CreateApplicationDto,
  ListApplicationsQueryDto,
  UpdateApplicationDto,
} from './dto/application.dto';
import { Application } from './entities/application.entity';
import { Policy } from './entities/policy.entity';

/** The array columns the ability's "assigned" conditions look into. */
const ASSIGNMENT_FIELDS = ['assignedUserIds', 'assignedGroupIds'] as const;

export const applicationNotFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such application in this organization.');

function duplicateName(error: unknown): ProblemException | undefined {
  return error instanceof UniqueConstraintViolationException
    ? new ProblemException(HttpStatus.CONFLICT, 'Application name already exists', {
        type: 'conflict',
      })
    : undefined;
}

const added = (before: readonly string[], after: readonly string[]) =>
  after.filter((id) => !before.includes(id));

/**
 * Applications: who sees them is the caller's ability (Owner and IT Admin all,
 * report readers all, a User only what is assigned to them, directly or through
 * a group, or what they own), applied both to single objects and, as SQL, to
 * the list. Every change is audited in its transaction.
 */
@Injectable()
export class ApplicationsService implements OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryEvents,
  ) {}

  /** Applications refer to users (owner, assignments, policies) and groups: they let go when those are deleted. */
  onModuleInit(): void {
    this.directory.register({
      userDeleting: (em, event) =>
        this.releaseUser(em, event.actor, event.organizationId, event.userId, event.heirId),
      groupDeleting: (em, event) => this.releaseGroup(em, event.organizationId, event.groupId),
    });
  }

  async list(
    principal: Principal,
    query: ListApplicationsQueryDto,
  ): Promise<{ items: Application[]; nextCursor: string | null }> {
    const visible = this.authz.where(principal, 'read', 'Application', ASSIGNMENT_FIELDS);
    if (visible === null) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const qb = this.em
      .createQueryBuilder(Application, 'a')
      .where({ $and: [visible, { organizationId: principal.organizationId }] });
    if (query.q) {
      const needle = `%${query.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
      qb.andWhere(raw('lower(a.name) like ?', [needle]));
    }
    if (query.ownerId) qb.andWhere({ ownerId: query.ownerId });
    if (query.cursor) {
      const [name, id] = decodeCursor(query.cursor);
      qb.andWhere(raw('(lower(a.name), a.id) > (?, ?)', [name ?? '', id]));
    }
    qb.orderBy([{ [raw('lower(a.name)')]: 'asc' }, { id: 'asc' }]).limit(limit + 1);
    const rows = await qb.getResultList();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page,
      nextCursor:
        rows.length > limit && last ? encodeCursor(last.name.toLowerCase(), last.id) : null,
    };
  }

  /**
   * The applications a user owns or is assigned to (directly or through one of
   * `groupIds`), among those the caller may see: the offboarding export.
   */
  async reachableBy(
    principal: Principal,
    userId: string,
    groupIds: readonly string[],
  ): Promise<Application[]> {
    const visible = this.authz.where(principal, 'read', 'Application', ASSIGNMENT_FIELDS);
    if (visible === null) return [];
    const reach: object[] = [{ ownerId: userId }, { assignedUserIds: { $contains: [userId] } }];
    if (groupIds.length > 0) reach.push({ assignedGroupIds: { $overlap: [...groupIds] } });
    return this.em.find(
      Application,
      { $and: [visible, { $or: reach }] },
      { ...scoped(principal.organizationId), orderBy: { name: 'asc' }, limit: 1000 },
    );
  }

  /** An application the caller may read; 404 otherwise (another organization's, or not theirs to see). */
  async get(principal: Principal, id: string, em: EntityManager = this.em): Promise<Application> {
    const application = await em.findOne(Application, { id }, scoped(principal.organizationId));
    if (application === null || !this.authz.can(principal, 'read', application))
      throw applicationNotFound();
    return application;
  }

  async create(principal: Principal, input: CreateApplicationDto): Promise<Application> {
    const ownerId = selfOf(principal);
    await this.authz.assert(
      principal,
      'create',
      asSubject('Application', {
        organizationId: principal.organizationId,
        ownerId,
        assignedUserIds: [],
        assignedGroupIds: [],
      }),
    );
    try {
      return await this.em.transactional(async (em) => {
        const application = em.create(Application, {
          organizationId: principal.organizationId,
          name: input.name,
          description: input.description ?? null,
          ownerId,
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'application.created',
          target: { type: 'Application', id: application.id },
          changes: { name: { to: application.name }, ownerId: { to: ownerId } },
        });
        return application;
      });
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  async update(
    principal: Principal,
    id: string,
    input: UpdateApplicationDto,
  ): Promise<Application> {
    try {
      return await this.em.transactional(async (em) => {
        const application = await this.get(principal, id, em);
        await this.authz.assert(principal, 'update', application);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        if (input.name !== undefined && input.name !== application.name) {
          changes.name = { from: application.name, to: input.name };
          application.name = input.name;
        }
        if (input.description !== undefined && input.description !== application.description) {
          changes.description = { from: application.description, to: input.description };
          application.description = input.description;
        }
        if (Object.keys(changes).length === 0) return application;
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'application.updated',
          target: { type: 'Application', id: application.id },
          changes,
        });
        return application;
      });
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  /** Deleting an application deletes its policies with it. */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const application = await this.get(principal, id, em);
      await this.authz.assert(principal, 'delete', application);
      const policies = await em.count(Policy, { applicationId: application.id });
      em.remove(application);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'application.deleted',
        target: { type: 'Application', id: application.id },
        changes: {
          name: { from: application.name },
          ownerId: { from: application.ownerId },
          policies: { from: policies },
        },
      });
    });
  }

  /**
   * Replaces who the application is assigned to. Every user and group must
   * exist in the organization (404 naming the missing ones).
   */
  async assign(principal: Principal, id: string, input: AssignmentsDto): Promise<Application> {
    const userIds = [...new Set(input.userIds)];
    const groupIds = [...new Set(input.groupIds)];
    return this.em.transactional(async (em) => {
      const application = await this.get(principal, id, em);
      await this.authz.assert(principal, 'assign', application);
      await this.assertExist(em, principal.organizationId, { userIds, groupIds });
      const before = {
        users: application.assignedUserIds,
        groups: application.assignedGroupIds,
      };
      const changes = {
        users: { added: added(before.users, userIds), removed: added(userIds, before.users) },
        groups: { added: added(before.groups, groupIds), removed: added(groupIds, before.groups) },
      };
      const unchanged = Object.values(changes).every(
        (change) => change.added.length + change.removed.length === 0,
      );
      if (unchanged) return application;
      application.assignedUserIds = userIds;
      application.assignedGroupIds = groupIds;
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'application.assigned',
        target: { type: 'Application', id: application.id },
        changes,
      });
      return application;
    });
  }

  /**
   * Inside a user's deletion: hands their applications to `heirId` (each move
   * audited), or refuses with 409 while they own any and no heir is named;
   * then takes them out of every assignment and policy.
   */
  private async releaseUser(
    em: EntityManager,
    actor: AuditActor,
    organizationId: string,
    userId: string,
    heirId: string | undefined,
  ): Promise<void> {
    const owned = await em.find(
      Application,
      { ownerId: userId },
      { ...scoped(organizationId), orderBy: { id: 'asc' } },
    );
    if (owned.length > 0) {
      if (heirId === undefined) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          `The user owns ${owned.length} application(s); name transferOwnershipTo to delete them.`,
          { type: 'conflict' },
        );
      }
      for (const application of owned) {
        application.ownerId = heirId;
        await this.audit.record(em, {
          organizationId,
          actor,
          action: 'application.ownershipTransferred',
          target: { type: 'Application', id: application.id },
          changes: { ownerId: { from: userId, to: heirId } },
        });
      }
      await em.flush();
    }
    await this.removeEverywhere(em, organizationId, userId, [
      ['applications', 'assigned_user_ids'],
      ['application_policies', 'user_ids'],
    ]);
  }

  /** Inside a group's deletion: takes it out of every assignment and policy. */
  private async releaseGroup(
    em: EntityManager,
    organizationId: string,
    groupId: string,
  ): Promise<void> {
    await this.removeEverywhere(em, organizationId, groupId, [
      ['applications', 'assigned_group_ids'],
      ['application_policies', 'group_ids'],
    ]);
  }

  private async removeEverywhere(
    em: EntityManager,
    organizationId: string,
    id: string,
    columns: ReadonlyArray<readonly [table: string, column: string]>,
  ): Promise<void> {
    const ctx: unknown = em.getTransactionContext();
    for (const [table, column] of columns) {
      await em
        .getConnection()
        .execute(
          `update ${table} set ${column} = array_remove(${column}, ?) where organization_id = ? and ${column} @> array[?]::uuid[]`,
          [id, organizationId, id],
          'run',
          ctx,
        );
    }
  }

  /** Every user and group named must exist in the organization (404 naming the missing ones). */
  async assertExist(
    em: EntityManager,
    organizationId: string,
    named: { userIds: readonly string[]; groupIds: readonly string[] },
  ): Promise<void> {
    const users =
      named.userIds.length === 0
        ? []
        : await em.find(User, { id: { $in: [...named.userIds] } }, scoped(organizationId));
    const groups =
      named.groupIds.length === 0
        ? []
        : await em.find(Group, { id: { $in: [...named.groupIds] } }, scoped(organizationId));
    for (const [noun, wanted, rows] of [
      ['user', named.userIds, users],
      ['group', named.groupIds, groups],
    ] as const) {
      const found = new Set(rows.map((row) => row.id));
      const missing = wanted.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          `No such ${noun}(s) in this organization: ${missing.join(', ')}.`,
        );
      }
    }
  }
}
