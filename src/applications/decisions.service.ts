import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type PreparedStatement, PreparedReads } from '../infra/database/prepared-statement';
import { RedisMirror } from '../infra/redis/redis-mirror';
import { versionKey } from '../infra/redis/versions';
import type { CheckDto, DecisionDto } from './dto/check.dto';
import { EVERYONE, type PolicyEffect } from './entities/policy.entity';

interface SubjectRow {
  id: string;
  status: string;
  roles: string[];
  group_ids: string[];
  group_roles: string[];
}

interface PolicyRow {
  application_id: string;
  /** bigint: a string from the driver. */
  policy_version: string;
  owner_id: string;
  assigned_user_ids: string[];
  assigned_group_ids: string[];
  id: string | null;
  name: string | null;
  effect: PolicyEffect | null;
  actions: string[] | null;
  user_ids: string[] | null;
  group_ids: string[] | null;
  roles: string[] | null;
}

interface CompiledPolicy {
  id: string;
  name: string;
  effect: PolicyEffect;
  actions: ReadonlySet<string>;
  userIds: ReadonlySet<string>;
  groupIds: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** The answer when this policy decides, built once with the policy. */
  decision: Readonly<DecisionDto>;
}

interface Subject {
  id: string;
  active: boolean;
  groupIds: readonly string[];
  roles: ReadonlySet<string>;
}

const decision = (
  allowed: boolean,
  reason: string,
  policyId: string | null = null,
): Readonly<DecisionDto> => ({ allowed, reason, policyId });

// Answers that do not depend on the check are built once, frozen because one
// answer object serves many checks: a call of 100 checks allocated a decision
// and its reason string per check.
const shared = (allowed: boolean, reason: string, policyId: string | null = null) =>
  Object.freeze(decision(allowed, reason, policyId));
const USER_INACTIVE = shared(false, 'user is inactive');
const USER_NOT_FOUND = shared(false, 'user not found');
const APPLICATION_NOT_FOUND = shared(false, 'application not found');

// Loops rather than filter/some/spread: this runs up to 100 times per call,
// once per policy, and the arrays those would allocate showed up as GC.
function applies(policy: CompiledPolicy, subject: Subject, action: string): boolean {
  if (!policy.actions.has(action) && !policy.actions.has('*')) return false;
  if (policy.userIds.has(subject.id) || policy.roles.has(EVERYONE)) return true;
  for (const id of subject.groupIds) if (policy.groupIds.has(id)) return true;
  for (const role of subject.roles) if (policy.roles.has(role)) return true;
  return false;
}

/** Deny wins over allow; with no matching allow the answer is deny. The first policy of each effect decides. */
export function decide(
  subject: Subject,
  policies: readonly CompiledPolicy[],
  action: string,
): Readonly<DecisionDto> {
  if (!subject.active) return USER_INACTIVE;
  let allow: CompiledPolicy | undefined;
  for (const policy of policies) {
    if (policy.effect === 'allow' && allow !== undefined) continue;
    if (!applies(policy, subject, action)) continue;
    if (policy.effect === 'deny') return policy.decision;
    allow = policy;
  }
  if (allow) return allow.decision;
  return decision(false, `no policy allows "${action}"`);
}

/** An application as decisions read it: who may see it, and its policies compiled. */
interface CompiledApplication {
  version: string;
  ownerId: string;
  assignedUserIds: string[];
  assignedGroupIds: string[];
  policies: CompiledPolicy[];
}

/** A subject as this process keeps it, valid for the user's version counter and the mirror's epoch. */
interface KeptSubject {
  organizationId: string;
  version: string;
  epoch: number | null;
  subject: Subject;
}

/** What one call reads (SUBJECTS_AND_VERSIONS, or APPLICATION_VERSIONS without subjects). */
interface SubjectsAndVersions {
  subjects?: SubjectRow[];
  versions: Array<{ id: string; policy_version: string }>;
}

/** The versions of the applications of the organization `$1` whose ids are the parameter `ids`. */
const applicationVersions = (ids: string) =>
  `coalesce((select json_agg(json_build_object('id', a.id, 'policy_version', a.policy_version::text))
                from applications a where a.organization_id = $1 and a.id = any(${ids}::uuid[])), '[]') as versions`;

/**
 * What a call reads when it needs users, in one round trip: the users asked
 * about that this process does not hold, with their groups and inherited
 * roles, and the version of each application asked about.
 */
const SUBJECTS_AND_VERSIONS: PreparedStatement = {
  name: 'warden_decision_subjects_and_versions',
  // Memberships are aggregated for all the users at once: a subquery per user
  // (hash-joining every group each time) cost four times the rest of the statement.
  text: `with memberships as (
      select m.user_id, array_agg(distinct m.group_id) as group_ids,
             coalesce(array_agg(distinct r) filter (where r is not null), '{}') as group_roles
        from group_members m join groups g on g.id = m.group_id
        left join lateral unnest(g.roles) as r on true
       where m.user_id = any($2::uuid[]) and g.organization_id = $1
       group by m.user_id)
    select
    coalesce((select json_agg(json_build_object(
                'id', u.id, 'status', u.status, 'roles', u.roles,
                'group_ids', coalesce(gm.group_ids, '{}'), 'group_roles', coalesce(gm.group_roles, '{}')))
                from users u left join memberships gm on gm.user_id = u.id
               where u.organization_id = $1 and u.id = any($2::uuid[])), '[]') as subjects,
    ${applicationVersions('$3')}`,
};

/** What a call reads when this process holds every user asked about: the applications' versions. */
const APPLICATION_VERSIONS: PreparedStatement = {
  name: 'warden_decision_application_versions',
  text: `select ${applicationVersions('$2')}`,
};

const POLICIES: PreparedStatement = {
  name: 'warden_decision_policies',
  text: `select a.id as application_id, a.policy_version, a.owner_id, a.assigned_user_ids, a.assigned_group_ids,
                p.id, p.name, p.effect, p.actions, p.user_ids, p.group_ids, p.roles
           from applications a left join application_policies p on p.application_id = a.id
          where a.organization_id = $1 and a.id = any($2::uuid[])
          order by p.created_at, p.id`,
};

/**
 * The decision endpoint: "may user U do action A on application X?", for up to
 * a hundred checks in one call. Per call, one small statement: the version of
 * each application asked about, and the users this process does not hold
 * (with their groups and inherited roles).
 *
 * Users are kept per process by their version counter (`version:user:<id>`,
 * read through the RedisMirror like the principal's), which every change to a
 * user's status, roles or groups, and to a group's roles, bumps before it
 * answers: a kept user is used only while its counter reads the same, so a
 * change applies on the very next call on every instance. Kept users are used
 * and kept only under the mirror's lease, in the epoch they were read in
 * (RedisMirror.leasedEpoch): without Redis every call reads its users.
 * Compiled policies are kept per application and version (a database trigger
 * bumps the version on any change to the application or its policies), so
 * only new or changed applications are read in full.
 */
@Injectable()
export class DecisionsService {
  private readonly compiled = new LRUCache<string, CompiledApplication>({ max: 20_000 });
  private readonly kept = new LRUCache<string, KeptSubject>({ max: 50_000, ttl: 60_000 });

  constructor(
    private readonly reads: PreparedReads,
    private readonly authz: AuthzService,
    private readonly mirror: RedisMirror,
  ) {}

  async check(
    principal: Principal,
    checks: readonly CheckDto[],
  ): Promise<Array<Readonly<DecisionDto>>> {
    const organizationId = principal.organizationId;
    const userIds = [...new Set(checks.map((check) => check.userId))];
    for (const userId of userIds) {
      const user = asSubject('User', { id: userId, organizationId });
      // Asked synchronously; only a refusal takes the (async, recorded) path.
      if (!this.authz.can(principal, 'check', user))
        await this.authz.assert(principal, 'check', user);
    }
    const applicationIds = [...new Set(checks.map((check) => check.resource.id))];
    const { subjects, missing, versions, epoch } = await this.keptSubjects(organizationId, userIds);
    const [read] =
      missing.length > 0
        ? await this.reads.query<SubjectsAndVersions>(SUBJECTS_AND_VERSIONS, [
            organizationId,
            missing,
            applicationIds,
          ])
        : await this.reads.query<SubjectsAndVersions>(APPLICATION_VERSIONS, [
            organizationId,
            applicationIds,
          ]);
    // Kept under the versions read before the users were: a change committed
    // meanwhile has bumped its user's counter past them.
    const keep = versions !== null && this.mirror.leasedEpoch === epoch;
    for (const row of read?.subjects ?? []) {
      const subject: Subject = {
        id: row.id,
        active: row.status === 'active',
        groupIds: row.group_ids,
        roles: roleSet(row.roles, row.group_roles),
      };
      subjects.set(row.id, subject);
      const version = versions?.get(row.id);
      if (keep && version !== undefined)
        this.kept.set(row.id, { organizationId, version, epoch, subject });
    }
    const applications = await this.applications(principal, read?.versions ?? []);
    return checks.map((check) => {
      const subject = subjects.get(check.userId);
      if (subject === undefined) return USER_NOT_FOUND;
      const policies = applications.get(check.resource.id);
      if (policies === undefined) return APPLICATION_NOT_FOUND;
      return decide(subject, policies, check.action);
    });
  }

  /**
   * The users this process holds at their current version, those it must
   * read, and the versions read (null without the mirror: then every user is read).
   */
  private async keptSubjects(
    organizationId: string,
    userIds: readonly string[],
  ): Promise<{
    subjects: Map<string, Subject>;
    missing: string[];
    versions: Map<string, string> | null;
    epoch: number | null;
  }> {
    const epoch = this.mirror.leasedEpoch;
    const subjects = new Map<string, Subject>();
    if (epoch === null) return { subjects, missing: [...userIds], versions: null, epoch };
    let counters: (string | null)[];
    try {
      counters = await this.mirror.read(userIds.map(versionKey.user));
    } catch {
      return { subjects, missing: [...userIds], versions: null, epoch };
    }
    if (this.mirror.leasedEpoch !== epoch)
      return { subjects, missing: [...userIds], versions: null, epoch };
    const versions = new Map<string, string>();
    const missing: string[] = [];
    userIds.forEach((userId, index) => {
      const version = counters[index] ?? '0';
      versions.set(userId, version);
      const kept = this.kept.get(userId);
      if (
        kept !== undefined &&
        kept.version === version &&
        kept.epoch === epoch &&
        kept.organizationId === organizationId
      )
        subjects.set(userId, kept.subject);
      else missing.push(userId);
    });
    return { subjects, missing, versions, epoch };
  }

  /** The policies of each application the caller may see (others are "not found" to them). */
  private async applications(
    principal: Principal,
    versions: ReadonlyArray<{ id: string; policy_version: string }>,
  ): Promise<Map<string, CompiledPolicy[]>> {
    const stale = versions
      .filter(({ id, policy_version }) => this.compiled.get(id)?.version !== policy_version)
      .map(({ id }) => id);
    if (stale.length > 0) {
      const rows = await this.reads.query<PolicyRow>(POLICIES, [principal.organizationId, stale]);
      for (const [id, application] of compile(rows)) this.compiled.set(id, application);
    }
    const result = new Map<string, CompiledPolicy[]>();
    for (const { id } of versions) {
      const application = this.compiled.get(id);
      if (application === undefined) continue;
      const visible = this.authz.can(
        principal,
        'read',
        asSubject('Application', {
          id,
          organizationId: principal.organizationId,
          ownerId: application.ownerId,
          assignedUserIds: application.assignedUserIds,
          assignedGroupIds: application.assignedGroupIds,
        }),
      );
      if (visible) result.set(id, application.policies);
    }
    return result;
  }
}

/** Rows of applications joined with their policies, compiled per application. */
function compile(rows: readonly PolicyRow[]): Map<string, CompiledApplication> {
  const result = new Map<string, CompiledApplication>();
  for (const row of rows) {
    let application = result.get(row.application_id);
    if (application === undefined) {
      application = {
        version: row.policy_version,
        ownerId: row.owner_id,
        assignedUserIds: row.assigned_user_ids,
        assignedGroupIds: row.assigned_group_ids,
        policies: [],
      };
      result.set(row.application_id, application);
    }
    if (row.id === null || row.name === null || row.effect === null) continue;
    const allows = row.effect === 'allow';
    application.policies.push({
      id: row.id,
      name: row.name,
      effect: row.effect,
      actions: new Set(row.actions),
      userIds: new Set(row.user_ids),
      groupIds: new Set(row.group_ids),
      roles: new Set(row.roles),
      decision: shared(allows, `${allows ? 'allowed' : 'denied'} by policy "${row.name}"`, row.id),
    });
  }
  return result;
}

/** A user's own roles and those their groups give, without the arrays a spread would allocate. */
function roleSet(own: readonly string[], inherited: readonly string[]): Set<string> {
  const roles = new Set(own);
  for (const role of inherited) roles.add(role);
  return roles;
}
