import { createMongoAbility, subject as tag, type MongoAbility } from '@casl/ability';
import type { Schemas } from '../api/client';

/**
 * The caller's CASL rules from GET /me, evaluated in the browser to show only
 * what they may do. The API stays the authority: a hidden button is a
 * courtesy, a 403 is the rule.
 */
export type ConsoleAbility = MongoAbility;

/** react-admin's resource names → the API's permission subjects. */
const SUBJECT_OF: Record<string, string> = {
  users: 'User',
  groups: 'Group',
  roles: 'Role',
  sessions: 'Session',
  'api-keys': 'ApiKey',
  invites: 'Invite',
  audit: 'AuditEvent',
  applications: 'Application',
  policies: 'Policy',
  'sso-connections': 'SsoConnection',
  organization: 'Organization',
  'access-reviews': 'AccessReview',
};

/** react-admin's page actions → the API's verbs; anything else is a verb already. */
const ACTION_OF: Record<string, string> = {
  list: 'read',
  show: 'read',
  edit: 'update',
};

export function abilityFrom(rules: Schemas['MeResponseDto']['permissions']): ConsoleAbility {
  return createMongoAbility(rules as never);
}

/**
 * Whether the rules allow `action` on `resource` (or on one record of it).
 * Records from the API do not carry their organization, which every rule is
 * conditioned on: the caller's own organization is added, as the API does.
 */
export function allows(
  ability: ConsoleAbility,
  organizationId: string,
  action: string,
  resource: string,
  record?: Record<string, unknown>,
): boolean {
  const [base] = resource.split('.');
  const subjectName = SUBJECT_OF[base] ?? base;
  const verb = ACTION_OF[action] ?? action;
  if (record === undefined) return ability.can(verb, subjectName);
  const object = subjectName === 'Organization' ? { id: organizationId } : { organizationId };
  return ability.can(verb, tag(subjectName, { ...record, ...object }));
}
