import { isEmail } from 'class-validator';
import { USERNAME_PATTERN } from '../authz/vocabulary';
import type { Group } from '../directory/groups/group.entity';
import type { EnterpriseAttributes, User } from '../directory/users/user.entity';
import { invalidSyntax, invalidValue } from './scim-error';
import { canonicalNames, SCHEMA, SCIM_BASE_PATH } from './scim-schemas';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const USER_NAMES = canonicalNames('User');
const GROUP_NAMES = canonicalNames('Group');
const SCHEMA_URNS = new Map(Object.values(SCHEMA).map((urn) => [urn.toLowerCase(), urn]));

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One attribute name (or a dotted or URN-qualified path) in its canonical spelling. */
export function canonicalPath(path: string, resource: 'User' | 'Group'): string {
  const names = resource === 'User' ? USER_NAMES : GROUP_NAMES;
  const lower = path.toLowerCase();
  for (const [lowerUrn, urn] of SCHEMA_URNS) {
    if (lower === lowerUrn) return urn;
    if (lower.startsWith(`${lowerUrn}:`)) {
      return `${urn}:${canonicalPath(path.slice(urn.length + 1), resource)}`;
    }
  }
  return path
    .split('.')
    .map((segment) => {
      const bracket = segment.indexOf('[');
      const name = bracket < 0 ? segment : segment.slice(0, bracket);
      return (names.get(name.toLowerCase()) ?? name) + (bracket < 0 ? '' : segment.slice(bracket));
    })
    .join('.');
}

/** A body with every known attribute name in its canonical spelling, at every level. */
export function canonicalKeys(value: Json, resource: 'User' | 'Group'): Json {
  if (Array.isArray(value)) return value.map((item) => canonicalKeys(item, resource));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      canonicalPath(key, resource),
      canonicalKeys(item, resource),
    ]),
  );
}

/** `active` as IdPs send it: a boolean, or "True"/"False" in any case (Entra ID). */
export function toBoolean(value: Json | undefined, attribute: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  throw invalidValue(`"${attribute}" must be true or false.`);
}

function optionalString(
  value: Json | undefined,
  attribute: string,
  maxLength: number,
): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw invalidValue(`"${attribute}" must be a string.`);
  if (value.length > maxLength)
    throw invalidValue(`"${attribute}" is longer than ${maxLength} characters.`);
  return value;
}

export interface ScimUserInput {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  formattedName: string | null;
  locale: string | null;
  email: string | null;
  /** Absent: unchanged (on create: true). */
  active: boolean | undefined;
  /** Absent: unchanged (on create: no password, sign-in through SSO only). */
  password: string | undefined;
  enterprise: EnterpriseAttributes;
}

/** The one address Warden keeps: the primary, else the work one, else the first. */
function pickEmail(emails: Json | undefined): string | null {
  if (emails === undefined || emails === null) return null;
  if (!Array.isArray(emails)) throw invalidValue('"emails" must be an array.');
  const entries = emails.filter(isObject);
  const chosen =
    entries.find((entry) => toBoolean(entry.primary, 'emails.primary') === true) ??
    entries.find(
      (entry) => typeof entry.type === 'string' && entry.type.toLowerCase() === 'work',
    ) ??
    entries[0];
  const value = chosen?.value;
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 254 || !isEmail(value)) {
    throw invalidValue(`"${JSON.stringify(value).slice(0, 300)}" is not an email address.`);
  }
  return value;
}

function managerId(manager: Json | undefined): string | undefined {
  if (manager === undefined || manager === null || manager === '') return undefined;
  // Entra ID sends the manager as a bare id; RFC 7643 as { value }.
  const id = isObject(manager) ? manager.value : manager;
  if (id === undefined || id === null || id === '') return undefined;
  if (typeof id !== 'string' || id.length > 254)
    throw invalidValue('"manager" must name a user id.');
  return id;
}

/** Reads a User resource (POST, PUT, or the result of a PATCH) into what Warden stores. */
export function readUser(body: unknown): ScimUserInput {
  if (!isObject(body)) throw invalidSyntax('The request body must be a JSON object.');
  const user = canonicalKeys(body, 'User') as JsonObject;
  const userName = user.userName;
  if (typeof userName !== 'string' || userName.trim() === '') {
    throw invalidValue('"userName" is required.');
  }
  if (!USERNAME_PATTERN.test(userName.trim())) {
    throw invalidValue(
      '"userName" must be 3-50 letters, digits, ".", "_" or "-", or an email address.',
    );
  }
  const name = isObject(user.name) ? user.name : {};
  const extension = user[SCHEMA.enterpriseUser];
  const enterprise = isObject(extension) ? extension : {};
  const password = user.password;
  if (password !== undefined && password !== null && typeof password !== 'string') {
    throw invalidValue('"password" must be a string.');
  }
  const stored: EnterpriseAttributes = {};
  for (const key of [
    'employeeNumber',
    'department',
    'costCenter',
    'organization',
    'division',
  ] as const) {
    const value = optionalString(enterprise[key], key, 200);
    if (value !== null) stored[key] = value;
  }
  const manager = managerId(enterprise.manager);
  if (manager !== undefined) stored.managerId = manager;
  return {
    userName: userName.trim(),
    externalId: optionalString(user.externalId, 'externalId', 254),
    displayName: optionalString(user.displayName, 'displayName', 200),
    givenName: optionalString(name.givenName, 'name.givenName', 100),
    familyName: optionalString(name.familyName, 'name.familyName', 100),
    formattedName: optionalString(name.formatted, 'name.formatted', 200),
    locale: optionalString(user.locale, 'locale', 35),
    email: pickEmail(user.emails),
    active: toBoolean(user.active, 'active'),
    password: typeof password === 'string' ? password : undefined,
    enterprise: stored,
  };
}

function withoutEmpty(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== null && value !== undefined),
  );
}

export interface GroupRef {
  id: string;
  name: string;
}

/** A Warden user as a SCIM User (RFC 7643 §4.1, with the enterprise extension when it has any value). */
export function userResource(user: User, groups: GroupRef[], baseUrl: string): JsonObject {
  const location = `${baseUrl}${SCIM_BASE_PATH}/Users/${user.id}`;
  const { managerId: manager, ...enterprise } = user.enterprise ?? {};
  const extension = withoutEmpty({
    ...enterprise,
    manager: manager
      ? { value: manager, $ref: `${baseUrl}${SCIM_BASE_PATH}/Users/${manager}` }
      : null,
  });
  const hasExtension = Object.keys(extension).length > 0;
  const name = withoutEmpty({
    formatted: user.formattedName,
    familyName: user.familyName,
    givenName: user.givenName,
  });
  return withoutEmpty({
    schemas: hasExtension ? [SCHEMA.user, SCHEMA.enterpriseUser] : [SCHEMA.user],
    id: user.id,
    externalId: user.externalId,
    userName: user.username,
    name: Object.keys(name).length > 0 ? name : null,
    displayName: user.displayName,
    locale: user.locale,
    active: user.status === 'active',
    emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : [],
    groups: groups.map((group) => ({
      value: group.id,
      display: group.name,
      $ref: `${baseUrl}${SCIM_BASE_PATH}/Groups/${group.id}`,
    })),
    [SCHEMA.enterpriseUser]: hasExtension ? extension : null,
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location,
      version: `W/"${user.updatedAt.getTime()}"`,
    },
  }) as JsonObject;
}

export interface MemberRef {
  id: string;
  display: string;
}

/** A Warden group as a SCIM Group (RFC 7643 §4.2); `members` omitted when not asked for. */
export function groupResource(
  group: Group,
  members: MemberRef[] | null,
  baseUrl: string,
): JsonObject {
  return withoutEmpty({
    schemas: [SCHEMA.group],
    id: group.id,
    externalId: group.externalId,
    displayName: group.name,
    members:
      members === null
        ? null
        : members.map((member) => ({
            value: member.id,
            display: member.display,
            type: 'User',
            $ref: `${baseUrl}${SCIM_BASE_PATH}/Users/${member.id}`,
          })),
    meta: {
      resourceType: 'Group',
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${baseUrl}${SCIM_BASE_PATH}/Groups/${group.id}`,
      version: `W/"${group.updatedAt.getTime()}"`,
    },
  }) as JsonObject;
}

/** Attributes always returned, whatever `attributes` or `excludedAttributes` say (RFC 7643 §7 returned=always). */
const ALWAYS = new Set(['id', 'schemas', 'meta']);

/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) on a resource:
 * top-level names and one level of sub-attributes ("name.givenName"),
 * URN-qualified or not, any case.
 */
export function project(
  resource: JsonObject,
  resourceType: 'User' | 'Group',
  attributes: string[] | undefined,
  excluded: string[] | undefined,
): JsonObject {
  const paths = (list: string[]) =>
    list.map((path) => {
      const canonical = canonicalPath(path.trim(), resourceType);
      const core = resourceType === 'User' ? SCHEMA.user : SCHEMA.group;
      return canonical.startsWith(`${core}:`) ? canonical.slice(core.length + 1) : canonical;
    });
  if (attributes && attributes.length > 0) {
    const wanted = paths(attributes);
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) {
      if (ALWAYS.has(key) || wanted.includes(key)) {
        result[key] = value;
        continue;
      }
      const subs = wanted.filter(
        (path) => path.startsWith(`${key}.`) || path.startsWith(`${key}:`),
      );
      if (subs.length > 0 && isObject(value)) {
        result[key] = Object.fromEntries(
          Object.entries(value).filter(([sub]) =>
            subs.some((path) => path.endsWith(`.${sub}`) || path.endsWith(`:${sub}`)),
          ),
        );
      }
    }
    return result;
  }
  if (excluded && excluded.length > 0) {
    const unwanted = paths(excluded);
    return Object.fromEntries(
      Object.entries(resource).filter(([key]) => ALWAYS.has(key) || !unwanted.includes(key)),
    );
  }
  return resource;
}
