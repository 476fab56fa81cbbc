import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
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
}

interface Subject {
  id: string;
  active: boolean;
  groupIds: readonly string[];
  roles: ReadonlySet<string>;
}

const decision = (allowed: boolean, reason: string, policyId: string | null = null) => ({
  allowed,
  reason,
  policyId,
});

function applies(policy: CompiledPolicy, subject: Subject, action: string): boolean {
  if (!policy.actions.has(action) && !policy.actions.has('*')) return false;
  if (policy.userIds.has(subject.id) || policy.roles.has(EVERYONE)) return true;
  if (subject.groupIds.some((id) => policy.groupIds.has(id))) return true;
  return [...subject.roles].some((role) => policy.roles.has(role));
}

/** Deny wins over allow; with no matching allow the answer is deny. */
export function decide(
  subject: Subject,
  policies: readonly CompiledPolicy[],
  action: string,
): DecisionDto {
  if (!subject.active) return decision(false, 'user is inactive');
  const matching = policies.filter((policy) => applies(policy, subject, action));
  const deny = matching.find((policy) => policy.effect === 'deny');
  if (deny) return decision(false, `denied by policy "${deny.name}"`, deny.id);
  const allow = matching.find((policy) => policy.effect === 'allow');
  if (allow) return decision(true, `allowed by policy "${allow.name}"`, allow.id);
  return decision(false, `no policy allows "${action}"`);
}

/**
 * The decision endpoint: "may user U do action A on application X?", for up to
 * a hundred checks in one call. Everything the checks need (the users with
 * their groups and inherited roles, the applications with their policies) is
 * read in one round of two parallel queries, whatever the batch size.
 */
@Injectable()
export class DecisionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
  ) {}

  async check(principal: Principal, checks: readonly CheckDto[]): Promise<DecisionDto[]> {
    const userIds = [...new Set(checks.map((check) => check.userId))];
    for (const userId of userIds) {
      await this.authz.assert(
        principal,
        'check',
        asSubject('User', { id: userId, organizationId: principal.organizationId }),
      );
    }
    const applicationIds = [...new Set(checks.map((check) => check.resource.id))];
    const connection = this.em.getConnection();
    const [subjectRows, policyRows] = await Promise.all([
      connection.execute<SubjectRow[]>(
        `select u.id, u.status, u.roles,
                array(select m.group_id from group_members m where m.user_id = u.id) as group_ids,
                array(select distinct r from group_members m join groups g on g.id = m.group_id
                        cross join unnest(g.roles) as r where m.user_id = u.id) as group_roles
           from users u where u.organization_id = ? and u.id in (?)`,
        [principal.organizationId, userIds],
      ),
      connection.execute<PolicyRow[]>(
        `select a.id as application_id, a.owner_id, a.assigned_user_ids, a.assigned_group_ids,
                p.id, p.name, p.effect, p.actions, p.user_ids, p.group_ids, p.roles
           from applications a left join application_policies p on p.application_id = a.id
          where a.organization_id = ? and a.id in (?)
          order by p.created_at, p.id`,
        [principal.organizationId, applicationIds],
      ),
    ]);
    const subjects = new Map(
      subjectRows.map((row): [string, Subject] => [
        row.id,
        {
          id: row.id,
          active: row.status === 'active',
          groupIds: row.group_ids,
          roles: new Set([...row.roles, ...row.group_roles]),
        },
      ]),
    );
    const applications = this.visibleApplications(principal, policyRows);
    return checks.map((check) => {
      const subject = subjects.get(check.userId);
      if (subject === undefined) return decision(false, 'user not found');
      const policies = applications.get(check.resource.id);
      if (policies === undefined) return decision(false, 'application not found');
      return decide(subject, policies, check.action);
    });
  }

  /** The policies of each application the caller may see (others are "not found" to them). */
  private visibleApplications(
    principal: Principal,
    rows: readonly PolicyRow[],
  ): Map<string, CompiledPolicy[]> {
    const result = new Map<string, CompiledPolicy[]>();
    const hidden = new Set<string>();
    for (const row of rows) {
      if (hidden.has(row.application_id)) continue;
      let policies = result.get(row.application_id);
      if (policies === undefined) {
        const application = asSubject('Application', {
          id: row.application_id,
          organizationId: principal.organizationId,
          ownerId: row.owner_id,
          assignedUserIds: row.assigned_user_ids,
          assignedGroupIds: row.assigned_group_ids,
        });
        if (!this.authz.can(principal, 'read', application)) {
          hidden.add(row.application_id);
          continue;
        }
        policies = [];
        result.set(row.application_id, policies);
      }
      if (row.id === null || row.name === null || row.effect === null) continue;
      policies.push({
        id: row.id,
        name: row.name,
        effect: row.effect,
        actions: new Set(row.actions),
        userIds: new Set(row.user_ids),
        groupIds: new Set(row.group_ids),
        roles: new Set(row.roles),
      });
    }
    return result;
  }
}
