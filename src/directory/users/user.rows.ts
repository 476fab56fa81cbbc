import type { PreparedStatement } from '../../infra/database/prepared-statement';
import type { User } from './user.entity';

/**
 * Hot reads of users as hand-mapped rows: the SQL beside the entity, typed,
 * and checked against the ORM's own mapping (test/directory/user-rows.e2e-spec.ts).
 * Reads through the ORM stay correct; these exist where a read is on every
 * client's request path (GET /users/:id).
 */

/** What a user object shows of a user: the entity's fields without secrets or sign-in counters. */
export type UserFields = Pick<
  User,
  | 'id'
  | 'organizationId'
  | 'username'
  | 'email'
  | 'displayName'
  | 'status'
  | 'roles'
  | 'createdAt'
  | 'updatedAt'
  | 'lastLoginAt'
  | 'lastLoginIp'
  | 'lastActivityAt'
  | 'lockedUntil'
  | 'failedLoginAttempts'
>;

export interface UserDetails {
  groups: Array<{ id: string; name: string }>;
  stats: { activeSessions: number; apiKeys: number; groups: number; applications: number };
  mfaFactors: Array<{ type: string; name: string }>;
}

/**
 * Everything a user row shows besides the user: groups (by name), counts of live
 * sessions, usable API keys and owned applications, and confirmed second
 * factors. Columns over `users u`; one statement for a page or a single user.
 * Each group's name is a primary-key lookup: written as a join, PostgreSQL
 * hashed the organization's whole groups table once per row (3-4 ms of a list
 * page of 50 at 500 groups; 1 ms this way, same rows and order). `offset 0`
 * keeps that subquery from being pulled up into the one around it, which
 * would repeat the lookup for each of the three places that use the name.
 */
export const USER_DETAIL_COLUMNS = `
  coalesce((select json_agg(json_build_object('id', x.id, 'name', x.name) order by x.name)
              from (select m.group_id as id,
                           (select g.name from groups g
                             where g.id = m.group_id and g.organization_id = u.organization_id) as name
                      from group_members m where m.user_id = u.id offset 0) x
             where x.name is not null), '[]') as groups,
  (select count(*) from sessions s
    where s.organization_id = u.organization_id and s.user_id = u.id and s.revoked_at is null
      and s.expires_at > now() and s.idle_expires_at > now()) as active_sessions,
  (select count(*) from api_keys k
    where k.organization_id = u.organization_id and k.user_id = u.id and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > now())) as api_keys,
  (select count(*) from applications a
    where a.organization_id = u.organization_id and a.owner_id = u.id) as applications,
  coalesce((select json_agg(json_build_object('type', f.type, 'name', f.name) order by f.created_at)
              from mfa_factors f where f.user_id = u.id and f.confirmed_at is not null), '[]') as mfa_factors`;

/** The detail columns as the driver hands them over (counts are bigints, so strings). */
/** A user as lists and single reads show it. */
export interface UserWithDetails {
  user: UserFields;
  details: UserDetails;
}

export interface UserDetailRow {
  id: string;
  groups: Array<{ id: string; name: string }>;
  active_sessions: string;
  api_keys: string;
  applications: string;
  mfa_factors: Array<{ type: string; name: string }>;
}

export interface UserRow extends UserDetailRow {
  organization_id: string;
  username: string;
  email: string | null;
  display_name: string | null;
  status: User['status'];
  roles: string[];
  /** Timestamps: the ORM's type parsers leave them as PostgreSQL's text. */
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  last_login_ip: string | null;
  last_activity_at: string | null;
  locked_until: string | null;
  failed_login_attempts: number;
}

/** Every column of a UserRow (the user's and the details), over `users u`. */
export const USER_ROW_COLUMNS = `u.id, u.organization_id, u.username, u.email, u.display_name, u.status, u.roles,
  u.created_at, u.updated_at, u.last_login_at, u.last_login_ip, u.last_activity_at,
  u.locked_until, u.failed_login_attempts, ${USER_DETAIL_COLUMNS}`;

/** One user of one organization with its details: GET /users/:id in one round trip. */
export const USER_WITH_DETAILS: PreparedStatement = {
  name: 'warden_user_with_details',
  text: `select ${USER_ROW_COLUMNS} from users u where u.organization_id = $1 and u.id = $2`,
};

/** The row details of a page of users (up to a page's size), in one statement. */
export const USER_DETAILS_OF_PAGE: PreparedStatement = {
  name: 'warden_user_details_of_page',
  text: `select u.id, ${USER_DETAIL_COLUMNS}
           from users u where u.organization_id = $1 and u.id = any($2::uuid[])`,
};

const timestamp = (value: string | null): Date | null => (value === null ? null : new Date(value));

export function toUserFields(row: UserRow): UserFields {
  return {
    id: row.id,
    organizationId: row.organization_id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    roles: row.roles,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastLoginAt: timestamp(row.last_login_at),
    lastLoginIp: row.last_login_ip,
    lastActivityAt: timestamp(row.last_activity_at),
    lockedUntil: timestamp(row.locked_until),
    failedLoginAttempts: row.failed_login_attempts,
  };
}

export function toUserDetails(row: UserDetailRow): UserDetails {
  return {
    groups: row.groups,
    stats: {
      activeSessions: Number(row.active_sessions),
      apiKeys: Number(row.api_keys),
      groups: row.groups.length,
      applications: Number(row.applications),
    },
    mfaFactors: row.mfa_factors,
  };
}
