import type { ItemKind } from './entities/access-review-item.entity';
import type { ReviewScope } from './entities/access-review.entity';

/**
 * The SQL that snapshots a campaign's items: one INSERT ... SELECT per kind
 * of access, set-based so 100k users take one statement each, not 100k round
 * trips. Who granted each piece of access and when is read from the audit
 * trail (the latest event that added it); API keys and memberships fall back
 * to their own creation time.
 */

export interface SnapshotSpec {
  organizationId: string;
  campaignId: string;
  scopeType: ReviewScope;
  scopeId: string | null;
  /** The role every user holds: never "privileged". */
  baselineRole: string;
  /** Holders of this role (the Owners) are reviewed by the other active holders, whoever else is named. */
  accountHolderRole: string;
  useManagers: boolean;
  /** Reviewers of users without a manager (named reviewers and the reviewer group's members). */
  fallbackReviewerIds: readonly string[];
  /** Role key -> display name, for the items' `resource_name`. */
  roleNames: Record<string, string>;
  now: Date;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/** A PostgreSQL array literal of UUIDs (a JS array binding would be spread into a list). */
const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** A JSON member as an array, or an empty one when it is missing or of another type. */
const array = (member: string) =>
  `(case when jsonb_typeof(${member}) = 'array' then ${member} else '[]'::jsonb end)`;

/**
 * The users in scope, with their reviewers: for an Owner the other active
 * Owners (only an Owner changes an Owner); else their manager, or the
 * fallback reviewers but themselves.
 */
function population(spec: SnapshotSpec): SqlStatement {
  const where: Record<ReviewScope, string> = {
    all: 'true',
    role: 'u.roles @> array[?]::text[]',
    privileged: 'exists (select 1 from unnest(u.roles) k where k <> ?)',
    group:
      'exists (select 1 from group_members gm where gm.group_id = ?::uuid and gm.user_id = u.id)',
    application: `exists (select 1 from applications a
       where a.id = ?::uuid and a.organization_id = u.organization_id and a.assigned_user_ids @> array[u.id])`,
  };
  const scopeParams =
    spec.scopeType === 'all'
      ? []
      : [spec.scopeType === 'privileged' ? spec.baselineRole : spec.scopeId];
  return {
    sql: `pop as (
      select u.id, u.username, u.display_name, u.email, u.status, u.roles,
             u.last_login_at, u.last_activity_at,
             case when u.roles @> array[?]::text[] then array(
                    select o.id from users o
                     where o.organization_id = u.organization_id and o.status = 'active'
                       and o.roles @> array[?]::text[] and o.id <> u.id order by o.id)
                  when m.id is not null then array[m.id]
                  else array_remove(?::uuid[], u.id) end as reviewer_ids
        from users u
        left join users m
          on ?::boolean and m.organization_id = u.organization_id
         and m.id::text = u.enterprise->>'managerId' and m.status = 'active' and m.id <> u.id
       where u.organization_id = ? and ${where[spec.scopeType]}
    )`,
    params: [
      spec.accountHolderRole,
      spec.accountHolderRole,
      uuidArray(spec.fallbackReviewerIds),
      spec.useManagers,
      spec.organizationId,
      ...scopeParams,
    ],
  };
}

/** The latest audit event that granted each (user, role): created with it, or changed to hold it. */
const ROLE_GRANTS = `role_grants as (
  select distinct on (g.user_id, g.key) g.user_id, g.key, g.at, g.actor_id, g.actor_username
    from (
      select coalesce(e.changes->'userId'->>'to', e.target_id) as user_id, r.key,
             e.occurred_at as at, e.seq, e.actor_id, e.actor_username
        from audit_events e
        cross join lateral jsonb_array_elements_text(${array("e.changes->'roles'->'to'")}) r(key)
       where e.organization_id = ? and e.outcome = 'success'
         and (e.target_type = 'User' or e.action = 'invite.accepted')
         and e.action in ('user.created', 'user.registered', 'user.provisioned', 'user.rolesChanged',
                          'user.ssoSynced', 'user.updated', 'invite.accepted')
         and not jsonb_exists(${array("e.changes->'roles'->'from'")}, r.key)
    ) g
   order by g.user_id, g.key, g.at desc, g.seq desc
)`;

/** The latest audit event that put each user in each group. */
const GROUP_GRANTS = `group_grants as (
  select distinct on (g.user_id, g.group_id) g.user_id, g.group_id, g.at, g.actor_id, g.actor_username
    from (
      select m.value as user_id, e.target_id as group_id, e.occurred_at as at, e.seq,
             e.actor_id, e.actor_username
        from audit_events e
        cross join lateral jsonb_array_elements_text(${array("e.changes->'members'->'added'")}) m(value)
       where e.organization_id = ? and e.outcome = 'success'
         and e.target_type = 'Group' and e.action = 'group.membersAdded'
      union all
      select coalesce(e.changes->'userId'->>'to', e.target_id), gid.value, e.occurred_at, e.seq,
             e.actor_id, e.actor_username
        from audit_events e
        cross join lateral jsonb_array_elements_text(
          ${array("e.changes->'groups'->'to'")} || ${array("e.changes->'groups'->'added'")}) gid(value)
       where e.organization_id = ? and e.outcome = 'success'
         and e.action in ('user.created', 'user.provisioned', 'invite.accepted')
    ) g
   order by g.user_id, g.group_id, g.at desc, g.seq desc
)`;

/** The latest audit event that assigned each user to each application. */
const APPLICATION_GRANTS = `application_grants as (
  select distinct on (g.user_id, g.application_id) g.user_id, g.application_id, g.at,
         g.actor_id, g.actor_username
    from (
      select a.value as user_id, e.target_id as application_id, e.occurred_at as at, e.seq,
             e.actor_id, e.actor_username
        from audit_events e
        cross join lateral jsonb_array_elements_text(${array("e.changes->'users'->'added'")}) a(value)
       where e.organization_id = ? and e.outcome = 'success'
         and e.target_type = 'Application' and e.action = 'application.assigned'
    ) g
   order by g.user_id, g.application_id, g.at desc, g.seq desc
)`;

const INSERT_COLUMNS = `insert into access_review_items (
  id, organization_id, campaign_id, created_at, updated_at,
  user_id, username, display_name, email, user_status, last_login_at, last_activity_at, reviewer_ids,
  kind, resource_id, resource_name, granted_at, granted_by_id, granted_by_username)`;

/** The columns every kind takes from the population row, after the campaign's own. */
const FROM_POPULATION = `gen_random_uuid(), ?::uuid, ?::uuid, ?::timestamptz, ?::timestamptz,
  p.id, p.username, p.display_name, p.email, p.status, p.last_login_at, p.last_activity_at, p.reviewer_ids`;

function kindStatement(spec: SnapshotSpec, kind: ItemKind): SqlStatement {
  const pop = population(spec);
  const head = [spec.organizationId, spec.campaignId, spec.now, spec.now];
  switch (kind) {
    case 'role': {
      const filter =
        spec.scopeType === 'role'
          ? { sql: 'k.key = ?', params: [spec.scopeId] }
          : spec.scopeType === 'privileged'
            ? { sql: 'k.key <> ?', params: [spec.baselineRole] }
            : { sql: 'true', params: [] };
      return {
        sql: `with ${pop.sql}, ${ROLE_GRANTS}
          ${INSERT_COLUMNS}
          select ${FROM_POPULATION}, 'role', k.key, coalesce(?::jsonb ->> k.key, k.key),
                 rg.at, rg.actor_id, rg.actor_username
            from pop p
            cross join lateral unnest(p.roles) k(key)
            left join role_grants rg on rg.user_id = p.id::text and rg.key = k.key
           where ${filter.sql}`,
        params: [
          ...pop.params,
          spec.organizationId,
          ...head,
          JSON.stringify(spec.roleNames),
          ...filter.params,
        ],
      };
    }
    case 'group': {
      const filter =
        spec.scopeType === 'group'
          ? { sql: 'g.id = ?::uuid', params: [spec.scopeId] }
          : { sql: 'true', params: [] };
      return {
        sql: `with ${pop.sql}, ${GROUP_GRANTS}
          ${INSERT_COLUMNS}
          select ${FROM_POPULATION}, 'group', g.id::text, g.name,
                 coalesce(gg.at, gm.created_at), gg.actor_id, gg.actor_username
            from pop p
            join group_members gm on gm.user_id = p.id
            join groups g on g.id = gm.group_id
            left join group_grants gg on gg.user_id = p.id::text and gg.group_id = g.id::text
           where ${filter.sql}`,
        params: [
          ...pop.params,
          spec.organizationId,
          spec.organizationId,
          ...head,
          ...filter.params,
        ],
      };
    }
    case 'application': {
      const filter =
        spec.scopeType === 'application'
          ? { sql: 'a.id = ?::uuid', params: [spec.scopeId] }
          : { sql: 'true', params: [] };
      return {
        sql: `with ${pop.sql}, ${APPLICATION_GRANTS}
          ${INSERT_COLUMNS}
          select ${FROM_POPULATION}, 'application', a.id::text, a.name,
                 ag.at, ag.actor_id, ag.actor_username
            from applications a
            cross join lateral unnest(a.assigned_user_ids) au(user_id)
            join pop p on p.id = au.user_id
            left join application_grants ag
              on ag.user_id = p.id::text and ag.application_id = a.id::text
           where a.organization_id = ? and ${filter.sql}`,
        params: [
          ...pop.params,
          spec.organizationId,
          ...head,
          spec.organizationId,
          ...filter.params,
        ],
      };
    }
    case 'apiKey':
      return {
        sql: `with ${pop.sql}
          ${INSERT_COLUMNS}
          select ${FROM_POPULATION}, 'apiKey', k.id::text, k.name,
                 k.created_at, e.actor_id, e.actor_username
            from pop p
            join api_keys k on k.user_id = p.id
            left join audit_events e
              on e.organization_id = ? and e.action = 'apiKey.created'
             and e.target_type = 'ApiKey' and e.target_id = k.id::text
           where k.revoked_at is null and (k.expires_at is null or k.expires_at > ?)`,
        params: [...pop.params, ...head, spec.organizationId, spec.now],
      };
  }
}

/** One INSERT ... SELECT per kind of access the campaign reviews. */
export function snapshotStatements(spec: SnapshotSpec, kinds: readonly ItemKind[]): SqlStatement[] {
  return kinds.map((kind) => kindStatement(spec, kind));
}
