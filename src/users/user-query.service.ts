import { raw } from '@mikro-orm/core';
import { EntityManager, type QueryBuilder } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type CursorValue, decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';
import type { ListUsersQueryDto, UserSort } from './dto/user.dto';
import {
  USER_DETAILS_OF_PAGE,
  USER_ROW_COLUMNS,
  type UserFields,
  type UserWithDetails,
  type UserRow,
  toUserFields,
  type UserDetailRow,
  type UserDetails,
  toUserDetails,
} from '../directory/users/user.rows';
import { User } from '../directory/users/user.entity';
import { PreparedReads } from '../infra/database/prepared-statement';

/** How each sort orders rows (always with the id as tie-breaker) and what its cursor holds. */
const SORTS: Record<
  UserSort,
  { expression: string; descending: boolean; valueOf: (user: UserFields) => CursorValue }
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

/** Reading users: the filtered, sorted, cursor-paginated list with statistics. */
@Injectable()
export class UserQueryService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly reads: PreparedReads,
  ) {}

  async list(
    principal: Principal,
    query: ListUsersQueryDto,
  ): Promise<{ items: UserWithDetails[]; nextCursor: string | null }> {
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
    if (query.hasMfa !== undefined) {
      qb.andWhere(
        raw(
          `${query.hasMfa === 'true' ? '' : 'not '}exists (select 1 from mfa_factors f where f.user_id = u.id and f.confirmed_at is not null)`,
        ),
      );
    }
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
    // The page and its row details in one statement, mapped by hand like GET /users/:id.
    qb.select(raw(USER_ROW_COLUMNS))
      .orderBy([{ [raw(sort.expression)]: direction }, { id: direction }])
      .limit(limit + 1);
    const rows =
      (query.q === undefined ? await this.preparedPage(qb) : undefined) ??
      (await qb.execute<UserRow[]>('all', false));
    const page = rows
      .slice(0, limit)
      .map((row) => ({ user: toUserFields(row), details: toUserDetails(row) }));
    const last = page.at(-1)?.user;
    return {
      items: page,
      nextCursor: rows.length > limit && last ? encodeCursor(sort.valueOf(last), last.id) : null,
    };
  }

  /**
   * A page as a prepared statement per query shape (filters, sort, cursor and
   * the caller's visibility make the text; their values are parameters):
   * PostgreSQL spent about a fifth of a page's CPU parsing and planning the
   * text the ORM sends with its values inlined. A search (`q`) stays with the
   * ORM: how selective a pattern is decides its best plan, and a generic plan
   * cannot see the pattern.
   */
  private preparedPage(qb: QueryBuilder<User>): Promise<UserRow[] | undefined> {
    const { sql, params } = qb.toQuery();
    return this.reads.queryShape<UserRow>('warden_users_page', sql, params);
  }

  /**
   * What every user row shows besides the user itself (USER_DETAIL_COLUMNS),
   * in one prepared statement for the whole page.
   */
  async rowDetails(organizationId: string, userIds: string[]): Promise<Map<string, UserDetails>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.reads.query<UserDetailRow>(USER_DETAILS_OF_PAGE, [
      organizationId,
      userIds,
    ]);
    return new Map(rows.map((row) => [row.id, toUserDetails(row)]));
  }
}
