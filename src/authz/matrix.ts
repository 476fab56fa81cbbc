import type { BuiltInRoleKey, Permission } from './vocabulary';

/**
 * THE permission matrix, as data (docs/permissions.md is generated from it). The ability factory, the
 * no-escalation rule, GET /roles, GET /roles/matrix, docs/permissions.md and
 * the authorization test suite are all derived from this file. A diff here
 * changes who may do what: review it as a permission change.
 */

export interface BuiltInRole {
  key: BuiltInRoleKey;
  name: string;
  description: string;
  permissions: Permission[];
}

/**
 * What every signed-in person may do with what is theirs, whatever their roles:
 * the "User" column of docs/permissions.md. Every other role holds it too (an IT Admin can
 * still revoke their own session).
 */
export const SELF_SERVICE: Permission[] = [
  { action: 'read', subject: 'Organization' },
  { action: 'read', subject: 'User', scope: 'own' },
  { action: 'update', subject: 'User', scope: 'own', fields: ['displayName'] },
  { action: 'read', subject: 'Role', scope: 'own' },
  { action: 'read', subject: 'Group', scope: 'own' },
  { action: 'read', subject: 'Session', scope: 'own' },
  { action: 'revoke', subject: 'Session', scope: 'own' },
  { action: 'create', subject: 'ApiKey', scope: 'own' },
  { action: 'read', subject: 'ApiKey', scope: 'own' },
  { action: 'revoke', subject: 'ApiKey', scope: 'own' },
  { action: 'read', subject: 'Application', scope: 'assigned' },
  { action: 'check', subject: 'User', scope: 'own' },
  { action: 'read', subject: 'AccessReview', scope: 'assigned' },
  { action: 'read', subject: 'AccessReviewItem', scope: 'assigned' },
  { action: 'decide', subject: 'AccessReviewItem', scope: 'assigned' },
];

/** Manage user profiles: create, update, delete, deactivate, reset passwords (rule 4 still applies). */
const MANAGE_USERS: Permission[] = [
  { action: 'read', subject: 'User' },
  { action: 'create', subject: 'User' },
  { action: 'update', subject: 'User' },
  { action: 'delete', subject: 'User' },
  { action: 'assign', subject: 'Role' },
  { action: 'read', subject: 'Role' },
  { action: 'read', subject: 'Session' },
  { action: 'create', subject: 'Invite' },
  { action: 'read', subject: 'Invite' },
  { action: 'update', subject: 'Invite' },
  { action: 'revoke', subject: 'Invite' },
  { action: 'check', subject: 'User' },
];

/** Access reports: read and export the audit trail, read applications. */
const REPORTS: Permission[] = [
  { action: 'read', subject: 'AuditEvent' },
  { action: 'export', subject: 'AuditEvent' },
  { action: 'read', subject: 'Application' },
];

const MANAGE_POLICIES: Permission[] = [
  { action: 'read', subject: 'Policy' },
  { action: 'create', subject: 'Policy' },
  { action: 'update', subject: 'Policy' },
  { action: 'delete', subject: 'Policy' },
];

const READ_GROUPS: Permission[] = [{ action: 'read', subject: 'Group' }];

const MANAGE_GROUPS: Permission[] = [
  { action: 'create', subject: 'Group' },
  { action: 'update', subject: 'Group' },
  { action: 'delete', subject: 'Group' },
];

const MANAGE_APPLICATIONS: Permission[] = [
  { action: 'create', subject: 'Application' },
  { action: 'update', subject: 'Application' },
  { action: 'delete', subject: 'Application' },
  { action: 'assign', subject: 'Application' },
];

const SECURITY_OPERATIONS: Permission[] = [
  { action: 'revoke', subject: 'Session' },
  { action: 'read', subject: 'ApiKey' },
  { action: 'revoke', subject: 'ApiKey' },
];

const MANAGE_CUSTOM_ROLES: Permission[] = [
  { action: 'create', subject: 'Role' },
  { action: 'update', subject: 'Role' },
  { action: 'delete', subject: 'Role' },
];

/**
 * Access reviews (certification campaigns): start them, change their schedule,
 * read and export their evidence, and decide any item (a reviewer decides only
 * the items assigned to them, through the self-service baseline).
 */
const RUN_ACCESS_REVIEWS: Permission[] = [
  { action: 'create', subject: 'AccessReview' },
  { action: 'read', subject: 'AccessReview' },
  { action: 'update', subject: 'AccessReview' },
  { action: 'export', subject: 'AccessReview' },
  { action: 'read', subject: 'AccessReviewItem' },
  { action: 'decide', subject: 'AccessReviewItem' },
];

/** Queue health: job counts and failed jobs (invite mail, maintenance). */
const OPERATE_QUEUES: Permission[] = [{ action: 'read', subject: 'Queue' }];

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    key: 'owner',
    name: 'Owner',
    description:
      'Everything in the organization: users, applications, policies, reports, groups, and the account itself (settings, SSO, system API keys).',
    permissions: [
      { action: 'manage', subject: 'Organization' },
      { action: 'manage', subject: 'SsoConnection' },
      { action: 'manage', subject: 'User' },
      { action: 'manage', subject: 'Role' },
      { action: 'manage', subject: 'Group' },
      { action: 'manage', subject: 'Session' },
      { action: 'manage', subject: 'ApiKey' },
      { action: 'manage', subject: 'AuditEvent' },
      { action: 'manage', subject: 'Invite' },
      { action: 'manage', subject: 'Application' },
      { action: 'manage', subject: 'Policy' },
      { action: 'manage', subject: 'Queue' },
      { action: 'manage', subject: 'AccessReview' },
      { action: 'manage', subject: 'AccessReviewItem' },
    ],
  },
  {
    key: 'security',
    name: 'Security',
    description:
      'Manage and view user profiles; manage application policies; access and view reports; view user and group details; run access reviews.',
    permissions: [
      ...MANAGE_USERS,
      ...MANAGE_POLICIES,
      ...REPORTS,
      ...READ_GROUPS,
      ...SECURITY_OPERATIONS,
      ...RUN_ACCESS_REVIEWS,
    ],
  },
  {
    key: 'compliance',
    name: 'Compliance',
    description:
      'Manage user profiles; manage application policies; access reports; view user and group details; run access reviews.',
    permissions: [
      ...MANAGE_USERS,
      ...MANAGE_POLICIES,
      ...REPORTS,
      ...READ_GROUPS,
      ...RUN_ACCESS_REVIEWS,
    ],
  },
  {
    key: 'it_admin',
    name: 'IT Admin',
    description:
      'Manage user profiles; handle applications; set application policies; access reports; manage and view users and groups; define custom roles; run access reviews.',
    permissions: [
      ...MANAGE_USERS,
      ...MANAGE_POLICIES,
      ...REPORTS,
      ...READ_GROUPS,
      ...MANAGE_GROUPS,
      ...MANAGE_APPLICATIONS,
      ...SECURITY_OPERATIONS,
      ...MANAGE_CUSTOM_ROLES,
      ...OPERATE_QUEUES,
      ...RUN_ACCESS_REVIEWS,
    ],
  },
  {
    key: 'governance',
    name: 'Governance',
    description: 'Manage and view user profiles; access reports; run access reviews.',
    permissions: [...MANAGE_USERS, ...REPORTS, ...RUN_ACCESS_REVIEWS],
  },
  {
    key: 'developer',
    name: 'Developer',
    description:
      'Manage user profiles; manage their applications; set application policies; access reports.',
    permissions: [
      ...MANAGE_USERS,
      ...MANAGE_POLICIES,
      ...REPORTS,
      ...MANAGE_APPLICATIONS.map((permission): Permission => ({
        ...permission,
        scope: 'assigned',
      })),
    ],
  },
  {
    key: 'user',
    name: 'User',
    description:
      'Manage and view their own profile, sessions and API keys; decide the access review items assigned to them.',
    permissions: [],
  },
];

export function builtInRole(key: string): BuiltInRole | undefined {
  return BUILT_IN_ROLES.find((role) => role.key === key);
}

/**
 * The role that holds the organization itself. Rule 2 (docs/permissions.md) keeps
 * at least one active user holding it; services ask for this key instead of
 * naming the role.
 */
export const ACCOUNT_HOLDER_ROLE: BuiltInRoleKey = 'owner';

/** The role self-registration and email-less users get. */
export const BASELINE_ROLE: BuiltInRoleKey = 'user';

/** Whether these roles hold anything beyond the baseline (the "admins" of `mfaRequired: admins`). */
export function aboveBaseline(roleKeys: readonly string[]): boolean {
  return roleKeys.some((key) => key !== BASELINE_ROLE);
}
