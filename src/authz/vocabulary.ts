/** The permission vocabulary (docs/permissions.md): what can be acted on, and how. */
export const SUBJECTS = [
  'Organization',
  'User',
  'Role',
  'Group',
  'Session',
  'ApiKey',
  'AuditEvent',
  'Invite',
  'Application',
  'Policy',
  'SsoConnection',
  'Scim',
  'Queue',
  'AccessReview',
  'AccessReviewItem',
] as const;
export type SubjectName = (typeof SUBJECTS)[number];

/**
 * `assign` grants or removes a role; `revoke` ends sessions, keys, invites; `check` asks the
 * decision endpoint about a user; `decide` keeps or revokes an access review item.
 */
export const ACTIONS = [
  'create',
  'read',
  'update',
  'delete',
  'assign',
  'revoke',
  'export',
  'check',
  'decide',
] as const;
export type ActionName = (typeof ACTIONS)[number];
export type Action = ActionName | 'manage';

/**
 * How far a permission reaches inside the organization:
 * `all` every object; `own` only the caller's own; `assigned` objects assigned
 * to the caller (directly or through a group) or created by the caller.
 */
export type Scope = 'all' | 'own' | 'assigned';

/** One permission as stored for a role: data, never code. */
export interface Permission {
  action: Action;
  subject: SubjectName;
  scope?: Scope;
  /** Field-level limit: only these fields may be changed (or read). */
  fields?: string[];
  /** Extra CASL conditions on the subject's fields (custom roles may narrow with them). */
  conditions?: Record<string, unknown>;
}

export const BUILT_IN_ROLE_KEYS = [
  'owner',
  'security',
  'compliance',
  'it_admin',
  'governance',
  'developer',
  'user',
] as const;
export type BuiltInRoleKey = (typeof BUILT_IN_ROLE_KEYS)[number];

export function isBuiltInRoleKey(key: string): key is BuiltInRoleKey {
  return (BUILT_IN_ROLE_KEYS as readonly string[]).includes(key);
}

/** The actions that mean something for each subject: the rows of the published matrix. */
export const SUBJECT_ACTIONS: Readonly<Record<SubjectName, readonly ActionName[]>> = {
  Organization: ['read', 'update'],
  SsoConnection: ['create', 'read', 'update', 'delete'],
  User: ['create', 'read', 'update', 'delete', 'check'],
  Role: ['create', 'read', 'update', 'delete', 'assign'],
  Group: ['create', 'read', 'update', 'delete'],
  Session: ['read', 'revoke'],
  ApiKey: ['create', 'read', 'revoke'],
  AuditEvent: ['read', 'export'],
  Invite: ['create', 'read', 'update', 'revoke'],
  Application: ['create', 'read', 'update', 'delete', 'assign'],
  Policy: ['create', 'read', 'update', 'delete'],
  Scim: ['create', 'read', 'update', 'delete'],
  Queue: ['read'],
  AccessReview: ['create', 'read', 'update', 'export'],
  AccessReviewItem: ['read', 'decide'],
};

/**
 * SCIM provisioning (creating, changing and removing users and groups from an
 * identity provider) is held only by organization API keys that were issued
 * with it; no role, built-in or custom, can carry it.
 */
export const SCIM_PROVISIONING: Permission = { action: 'manage', subject: 'Scim' };

/**
 * A username (unique per organization, ignoring case): a handle of 3-50
 * letters, digits, ".", "_" or "-", or an email address of up to 254
 * characters, as identity providers send SCIM userNames (ADR 0009).
 */
export const USERNAME_PATTERN =
  /^(?:[A-Za-z0-9._-]{3,50}|(?=.{6,254}$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;

export const USERNAME_RULE =
  'username must be 3-50 letters, digits, ".", "_" or "-", or an email address';

/** A role key, built-in or custom: lower case, digits and "_", starting with a letter. */
export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9_]{1,49}$/;
