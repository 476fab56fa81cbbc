import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApplicationsService } from '../applications/applications.service';
import { AuditService } from '../audit/audit.service';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type CursorValue, decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';
import { GroupsService } from '../groups/groups.service';
import { SessionsService } from '../sessions/sessions.service';
import type { ListUsersQueryDto, UserSort, UserStatsDto } from './dto/user.dto';
import { User } from './entities/user.entity';
import { UsersService } from './users.service';

/** How each sort orders rows (always with the id as tie-breaker) and what its cursor holds. */
const SORTS: Record<
  UserSort,
  { expression: string; descending: boolean; valueOf: (user: User) => CursorValue }
> = {
  createdAt: {
    expression: 'u.created_at',
    descending: false,
    valueOf: (u) => u.createdAt.toISOString(),
  },
  '-createdAt': {
    expression: 'u.created_at',
    descending: true,
    valueOf: (u) => u.createdAt.toISOString(),
  },
  username: {
    expression: 'lower(u.username)',
    descending: false,
    valueOf: (u) => u.username.toLowerCase(),
  },
  '-username': {
    expression: 'lower(u.username)',
    descending: true,
    valueOf: (u) => u.username.toLowerCase(),
  },
  lastLoginAt: {
    expression: "coalesce(u.last_login_at, '-infinity'::timestamptz)",
    descending: false,
    valueOf: (u) => u.lastLoginAt?.toISOString() ?? '-infinity',
  },
  '-lastLoginAt': {
    expression: "coalesce(u.last_login_at, '-infinity'::timestamptz)",
    descending: true,
    valueOf: (u) => u.lastLoginAt?.toISOString() ?? '-infinity',
  },
};

/** Reading users: the filtered, sorted, cursor-paginated list with statistics, and the offboarding export. */
@Injectable()
export class UserQueryService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly applications: ApplicationsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async list(
    principal: Principal,
    query: ListUsersQueryDto,
  ): Promise<{ items: User[]; nextCursor: string | null }> {
    const visible = this.authz.where(principal, 'read', 'User');
    if (visible === null) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const sort = SORTS[query.sort ?? '-createdAt'];
    const qb = this.em
      .createQueryBuilder(User, 'u')
      .where({ $and: [visible, { organizationId: principal.organizationId }] });
    if (query.q) {
      const needle = `%${query.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
      qb.andWhere(
        raw(
          `lower(u.username || ' ' || coalesce(u.email, '') || ' ' || coalesce(u.display_name, '')) like ?`,
          [needle],
        ),
      );
    }
    if (query.role) qb.andWhere({ roles: { $contains: [query.role] } });
    if (query.status) qb.andWhere({ status: query.status });
    if (query.groupId) {
      qb.andWhere(
        raw('exists (select 1 from group_members m where m.user_id = u.id and m.group_id = ?)', [
          query.groupId,
        ]),
      );
    }
    if (query.cursor) {
      const [value, id] = decodeCursor(query.cursor);
      const comparison = sort.descending ? '<' : '>';
      const cast = sort.expression.startsWith('lower') ? '?' : '?::timestamptz';
      qb.andWhere(raw(`(${sort.expression}, u.id) ${comparison} (${cast}, ?)`, [value, id]));
    }
    const direction = sort.descending ? 'desc' : 'asc';
    qb.orderBy([{ [raw(sort.expression)]: direction }, { id: direction }]).limit(limit + 1);
    const rows = await qb.getResultList();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page,
      nextCursor: rows.length > limit && last ? encodeCursor(sort.valueOf(last), last.id) : null,
    };
  }

  /** Counts shown on every user row: live sessions, groups, usable API keys, owned applications. */
  async stats(organizationId: string, userIds: string[]): Promise<Map<string, UserStatsDto>> {
    const result = new Map<string, UserStatsDto>(
      userIds.map((id) => [id, { activeSessions: 0, apiKeys: 0, groups: 0, applications: 0 }]),
    );
    if (userIds.length === 0) return result;
    const connection = this.em.getConnection();
    const [sessions, memberships, keys, owned] = await Promise.all([
      connection.execute<Array<{ user_id: string; count: string }>>(
        `select user_id, count(*) as count from sessions
          where organization_id = ? and user_id in (?) and revoked_at is null and expires_at > now() and idle_expires_at > now()
          group by user_id`,
        [organizationId, userIds],
      ),
      connection.execute<Array<{ user_id: string; count: string }>>(
        'select user_id, count(*) as count from group_members where organization_id = ? and user_id in (?) group by user_id',
        [organizationId, userIds],
      ),
      connection.execute<Array<{ user_id: string; count: string }>>(
        `select user_id, count(*) as count from api_keys
          where organization_id = ? and user_id in (?) and revoked_at is null and (expires_at is null or expires_at > now())
          group by user_id`,
        [organizationId, userIds],
      ),
      this.applications.ownedCounts(organizationId, userIds),
    ]);
    for (const [userId, count] of owned) {
      const stats = result.get(userId);
      if (stats) stats.applications = count;
    }
    for (const row of keys) {
      const stats = result.get(row.user_id);
      if (stats) stats.apiKeys = Number(row.count);
    }
    for (const row of sessions) {
      const stats = result.get(row.user_id);
      if (stats) stats.activeSessions = Number(row.count);
    }
    for (const row of memberships) {
      const stats = result.get(row.user_id);
      if (stats) stats.groups = Number(row.count);
    }
    return result;
  }

  groupsOf(organizationId: string, userIds: string[]) {
    return this.groups.groupsOfUsers(organizationId, userIds);
  }

  /**
   * Everything about one user, for offboarding: profile, roles, groups,
   * sessions, API key metadata and applications (those the caller may see),
   * audit events.
   */
  async export(principal: Principal, id: string) {
    const user = await this.users.findVisible(principal, id);
    if (user.id !== principal.userId) {
      await this.authz.assert(principal, 'read', {
        __caslSubjectType__: 'AuditEvent',
        organizationId: principal.organizationId,
      });
    }
    const groups =
      (await this.groups.groupsOfUsers(principal.organizationId, [user.id])).get(user.id) ?? [];
    const [sessions, apiKeys, applications, events] = await Promise.all([
      this.sessions.allOfUser(principal.organizationId, user.id),
      this.apiKeys.list(principal, { userId: user.id }),
      this.applications.reachableBy(
        principal,
        user.id,
        groups.map((group) => group.id),
      ),
      this.audit.eventsByOrAbout(principal.organizationId, user.id),
    ]);
    return { user, groups, sessions, apiKeys, applications, auditEvents: events };
  }
}
