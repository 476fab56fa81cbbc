import {
  createMongoAbility,
  type MongoAbility,
  type MongoQuery,
  type RawRuleOf,
} from '@casl/ability';
import type { Action, Permission, Scope, SubjectName } from './vocabulary';

/** Subjects are entity instances (matched by class name) or plain objects tagged with CASL's subject(). */
export type AppAbility = MongoAbility<
  [Action, SubjectName | Record<string, unknown> | object],
  MongoQuery
>;
export type AppRawRule = RawRuleOf<AppAbility>;

/** Who the conditions are about: the caller, their organization, roles and groups. */
export interface AbilityContext {
  organizationId: string;
  userId: string | null;
  roleKeys: readonly string[];
  groupIds: readonly string[];
}

/**
 * What "own" and "assigned" mean, subject by subject, as alternatives: CASL has
 * no `$or`, so each alternative becomes a rule of its own (and `where()` turns
 * the rules back into one SQL `or`).
 */
function scopeConditions(subject: SubjectName, scope: Scope, ctx: AbilityContext): MongoQuery[] {
  if (scope === 'all') return [{}];
  const self = ctx.userId ?? '00000000-0000-0000-0000-000000000000';
  switch (subject) {
    case 'User':
      return [{ id: self }];
    case 'Session':
    case 'ApiKey':
      return [{ userId: self }];
    case 'Role':
      return [{ key: { $in: [...ctx.roleKeys] } }];
    case 'Group':
      return [{ id: { $in: [...ctx.groupIds] } }];
    case 'Application':
      return [
        { ownerId: self },
        { assignedUserIds: self },
        ...(ctx.groupIds.length > 0 ? [{ assignedGroupIds: { $in: [...ctx.groupIds] } }] : []),
      ];
    case 'AccessReview':
    case 'AccessReviewItem':
      return [{ reviewerIds: self }];
    case 'Invite':
    case 'Policy':
    case 'AuditEvent':
      return [{ createdById: self }];
    case 'Organization':
    case 'SsoConnection':
    case 'Scim':
    case 'Queue':
      return [{ id: '00000000-0000-0000-0000-000000000000' }];
  }
}

/** Every rule carries the caller's organization: another organization's objects never match. */
function tenantCondition(subject: SubjectName, ctx: AbilityContext): MongoQuery {
  return subject === 'Organization'
    ? { id: ctx.organizationId }
    : { organizationId: ctx.organizationId };
}

export function toRawRules(permissions: readonly Permission[], ctx: AbilityContext): AppRawRule[] {
  return permissions.flatMap((permission) =>
    scopeConditions(permission.subject, permission.scope ?? 'all', ctx).map((scope) => ({
      action: permission.action,
      subject: permission.subject,
      conditions: {
        ...permission.conditions,
        ...scope,
        ...tenantCondition(permission.subject, ctx),
      },
      ...(permission.fields ? { fields: permission.fields } : {}),
    })),
  );
}

/** Entities are matched by class name (User, Session, ...); tagged plain objects by their tag. */
function detectSubjectType(object: object): SubjectName {
  const tagged = (object as { __caslSubjectType__?: SubjectName }).__caslSubjectType__;
  return tagged ?? (object.constructor.name as SubjectName);
}

export function buildAbility(permissions: readonly Permission[], ctx: AbilityContext): AppAbility {
  return createMongoAbility<AppAbility>(toRawRules(permissions, ctx), { detectSubjectType });
}
