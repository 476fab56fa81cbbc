import { subject as tag } from '@casl/ability';
import { rulesToCondition } from '@casl/ability/extra';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ProblemException } from '../common/problem/problem';
import { RefusalRecorder } from './refusal-recorder';
import { coversAll } from './escalation';
import type { Principal } from './principal';
import type { Action, Permission, SubjectName } from './vocabulary';

/** Tags a plain object with its subject type, for checks on objects that are not entities. */
export function asSubject<T extends object>(type: SubjectName, object: T): T {
  return tag(type, object);
}

function subjectName(object: object): SubjectName {
  const tagged = (object as { __caslSubjectType__?: SubjectName }).__caslSubjectType__;
  return tagged ?? (object.constructor.name as SubjectName);
}

/**
 * Object-level checks for services, all answered by the caller's CASL ability
 * (never by role names): may they act on this object, may they grant these
 * roles, may they act on this user, which rows may they list.
 */
@Injectable()
export class AuthzService {
  constructor(private readonly refusals: RefusalRecorder) {}

  can(principal: Principal, action: Action, object: object, field?: string): boolean {
    return principal.ability.can(action, object, field);
  }

  /** Throws 403 (and records the refusal) unless the caller may act on this object. */
  async assert(
    principal: Principal,
    action: Action,
    object: object,
    field?: string,
  ): Promise<void> {
    if (this.can(principal, action, object, field)) return;
    const type = subjectName(object);
    const id = (object as { id?: unknown }).id;
    await this.deny(principal, `${action} ${type}${field ? `.${field}` : ''}`, {
      type,
      id: typeof id === 'string' ? id : null,
    });
  }

  /**
   * Whether the caller may grant this role: `assign` on it and, by rule 1,
   * every one of its permissions their own. What clients offer in a role picker.
   */
  canGrant(principal: Principal, key: string, permissions: readonly Permission[]): boolean {
    return (
      this.can(
        principal,
        'assign',
        asSubject('Role', { organizationId: principal.organizationId, key }),
      ) && coversAll(principal.permissions, permissions)
    );
  }

  /**
   * Rule 1, no privilege escalation: throws 403 unless every permission of
   * every granted role is also the caller's.
   */
  async assertCanGrant(
    principal: Principal,
    grantedRoleKeys: readonly string[],
    permissionsOf: (key: string) => Permission[],
  ): Promise<void> {
    const beyond = grantedRoleKeys.filter(
      (key) => !coversAll(principal.permissions, permissionsOf(key)),
    );
    if (beyond.length === 0) return;
    await this.deny(
      principal,
      `grant role(s) ${beyond.join(', ')}`,
      { type: 'Role', id: null },
      `You cannot grant a role with permissions you do not have: ${beyond.join(', ')}.`,
    );
  }

  /**
   * Rule 4: a caller acts on a user only when they could grant every role
   * that user holds (so only an Owner changes an Owner).
   */
  async assertCanActOnUser(
    principal: Principal,
    target: { id: string; roles: readonly string[] },
    permissionsOf: (key: string) => Permission[],
  ): Promise<void> {
    if (target.id === principal.userId) return;
    const above = target.roles.filter(
      (key) => !coversAll(principal.permissions, permissionsOf(key)),
    );
    if (above.length === 0) return;
    await this.deny(
      principal,
      'act on a user with more permissions',
      { type: 'User', id: target.id },
      'You cannot change a user who holds permissions you do not have.',
    );
  }

  /**
   * The MikroORM condition for "rows this caller may <action>", or null when
   * none. `arrayFields` names array columns: CASL's "the array holds x" and
   * "the array holds one of xs" become PostgreSQL's `@>` and `&&`.
   */
  where(
    principal: Principal,
    action: Action,
    subject: SubjectName,
    arrayFields: readonly string[] = [],
  ): Record<string, unknown> | null {
    return rulesToCondition(
      principal.ability.rulesFor(action, subject),
      (rule): Record<string, unknown> => {
        const conditions = arrayConditions(
          (rule.conditions as Record<string, unknown> | undefined) ?? {},
          arrayFields,
        );
        return rule.inverted ? { $not: conditions } : conditions;
      },
      {
        and: (conditions) => ({ $and: conditions }),
        or: (conditions) => ({ $or: conditions }),
        empty: () => ({}),
      },
    );
  }

  /** Records a refused authorization attempt (in its own transaction) and throws 403. */
  async deny(
    principal: Principal,
    attempted: string,
    target: { type: string; id: string | null },
    message = `You do not have permission to ${attempted}.`,
  ): Promise<never> {
    await this.refusals.record({ principal, attempted, target });
    throw new ProblemException(HttpStatus.FORBIDDEN, message);
  }
}

function arrayConditions(
  conditions: Record<string, unknown>,
  arrayFields: readonly string[],
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...conditions };
  for (const field of arrayFields) {
    const value = conditions[field];
    if (value === undefined) continue;
    const within =
      typeof value === 'object' && value !== null && '$in' in value ? value.$in : undefined;
    result[field] = Array.isArray(within) ? { $overlap: within } : { $contains: [value] };
  }
  return result;
}

/** The user behind the caller, for self-service routes; an organization key has none (403). */
export function selfOf(principal: Principal): string {
  if (principal.userId !== null) return principal.userId;
  throw new ProblemException(
    HttpStatus.FORBIDDEN,
    'This credential is an organization key: it has no user of its own.',
  );
}
