import { type ScimPatchOperation, scimPatch, ScimError as PatchLibraryError } from 'scim-patch';
import {
  invalidPath,
  invalidSyntax,
  invalidValue,
  mutability,
  ScimError,
  type ScimType,
} from './scim-error';
import {
  canonicalKeys,
  canonicalPath,
  isObject,
  type JsonObject,
  toBoolean,
} from './scim-resources';
import { canonicalNames, SCHEMA } from './scim-schemas';

export type PatchOp = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOp;
  path: string | undefined;
  value: unknown;
}

const MAX_OPERATIONS = 1000;
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);
const ENTERPRISE_MANAGER = `${SCHEMA.enterpriseUser}:manager`;

/**
 * The operations of a PatchOp body (RFC 7644 §3.5.2), tolerant where IdPs
 * differ from the RFC and strict in the rest: `op` in any case ("Replace"
 * from Entra ID), attribute names in any case; an unknown op, a path that
 * names no attribute, or a missing value is 400. An empty list is a no-op
 * (Microsoft's validator sends one).
 */
export function readOperations(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('The request body must be a PatchOp object.');
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations)) throw invalidSyntax('"Operations" must be an array.');
  if (operations.length > MAX_OPERATIONS) {
    throw new ScimError(413, 'tooMany', `A PATCH carries at most ${MAX_OPERATIONS} operations.`);
  }
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw invalidSyntax(`Operation ${index + 1} must be an object.`);
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw invalidSyntax(`Operation ${index + 1}: "op" must be add, replace or remove.`);
    }
    const path = operation.path;
    if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === '')) {
      throw invalidPath(`Operation ${index + 1}: "path" must be a non-empty string.`);
    }
    if (op !== 'remove' && !('value' in operation)) {
      throw invalidSyntax(`Operation ${index + 1}: "${op}" needs a "value".`);
    }
    if (op === 'remove' && (path === undefined || path === null)) {
      throw new ScimError(400, 'noTarget', `Operation ${index + 1}: "remove" needs a "path".`);
    }
    return { op, path: typeof path === 'string' ? path.trim() : undefined, value: operation.value };
  });
}

/** The attribute names a path walks through, without value filters: `emails[type eq "work"].value` → emails, value. */
function pathSegments(path: string): string[] {
  const urn = [SCHEMA.user, SCHEMA.enterpriseUser, SCHEMA.group].find((candidate) =>
    path.toLowerCase().startsWith(`${candidate.toLowerCase()}:`),
  );
  const rest = urn ? path.slice(urn.length + 1) : path;
  return rest
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .filter((segment) => segment !== '');
}

/**
 * Refuses a path that names anything but the resource's attributes (which
 * also keeps `__proto__` and friends out of the patch library) and a change
 * of a read-only attribute.
 */
function assertKnownPath(path: string, resource: 'User' | 'Group'): void {
  const names = canonicalNames(resource);
  const segments = pathSegments(path);
  if (
    segments.length === 0 ||
    segments.some((segment) => names.get(segment.toLowerCase()) !== segment)
  ) {
    throw invalidPath(`"${path}" is not an attribute of a ${resource}.`);
  }
  if (READ_ONLY.has(segments[0])) throw mutability(`"${segments[0]}" is read-only.`);
}

/** Entra ID's `active: "False"` and a manager sent as a bare id, as the schema has them. */
function normalizeUserValue(path: string | undefined, value: unknown): unknown {
  if (path === 'active') return toBoolean(value as never, 'active');
  if (path === ENTERPRISE_MANAGER && typeof value === 'string') return { value };
  if (path !== undefined || !isObject(value)) return value;
  const object: JsonObject = { ...value };
  if ('active' in object) object.active = toBoolean(object.active, 'active') ?? null;
  if (typeof object[ENTERPRISE_MANAGER] === 'string')
    object[ENTERPRISE_MANAGER] = { value: object[ENTERPRISE_MANAGER] };
  const extension = object[SCHEMA.enterpriseUser];
  if (isObject(extension) && typeof extension.manager === 'string') {
    object[SCHEMA.enterpriseUser] = { ...extension, manager: { value: extension.manager } };
  }
  return object;
}

/** Nested keys of a pathless value with `__proto__`-like or unknown names are refused like paths. */
function assertKnownKeys(value: unknown, resource: 'User' | 'Group'): void {
  if (!isObject(value))
    throw invalidValue('A "replace" or "add" without a path needs an object value.');
  for (const key of Object.keys(value)) {
    if (key === SCHEMA.enterpriseUser) {
      const extension = value[key];
      if (!isObject(extension)) throw invalidValue(`"${key}" must be an object.`);
      for (const sub of Object.keys(extension))
        assertKnownPath(`${SCHEMA.enterpriseUser}:${sub}`, resource);
      continue;
    }
    if (READ_ONLY.has(key)) continue; // Okta sends `id` back in a pathless replace: ignored, not refused
    assertKnownPath(key, resource);
  }
}

/**
 * Applies a PATCH to a User resource with scim-patch (RFC 7644 §3.5.2:
 * filtered paths, `add` that creates a missing `emails[type eq "work"]`
 * entry, dotted and URN-qualified keys in pathless values) and returns the
 * patched resource, which the caller stores like a PUT.
 */
export function patchUser(resource: JsonObject, operations: PatchOperation[]): JsonObject {
  const normalized = operations.map((operation): ScimPatchOperation => {
    const path = operation.path === undefined ? undefined : canonicalPath(operation.path, 'User');
    if (path !== undefined) assertKnownPath(path, 'User');
    const canonical = canonicalKeys(operation.value as never, 'User');
    const value = normalizeUserValue(path, canonical);
    if (path === undefined) {
      assertKnownKeys(value, 'User');
      const rest = Object.fromEntries(
        Object.entries(value as JsonObject).filter(([key]) => !READ_ONLY.has(key)),
      );
      return { op: operation.op, value: rest } as ScimPatchOperation;
    }
    if (operation.op === 'remove' && path.startsWith(`${ENTERPRISE_MANAGER}[`)) {
      // `manager[value eq "id"]`: the manager is single-valued, so the filter names the whole of it.
      return { op: 'remove', path: ENTERPRISE_MANAGER };
    }
    return operation.op === 'remove'
      ? { op: 'remove', path, ...(value === undefined ? {} : { value }) }
      : { op: operation.op, path, value };
  });
  try {
    return scimPatch(structuredClone(resource) as never, normalized, {
      mutateDocument: true,
      treatMissingAsAdd: true,
    });
  } catch (error) {
    if (error instanceof PatchLibraryError) {
      throw new ScimError(
        400,
        (error.scimCode as ScimType | undefined) ?? 'invalidValue',
        error.message,
      );
    }
    throw error;
  }
}

/** What a PATCH does to a group: a new name or externalId, and member ids to add and remove (or to set). */
export interface GroupChange {
  displayName?: string;
  externalId?: string | null;
  members?: { add: string[]; remove: string[] };
}

function memberIds(value: unknown, where: string): string[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const id = isObject(item) ? item.value : item;
    if (typeof id !== 'string' || id === '')
      throw invalidValue(`${where}: each member needs a "value" (a user id).`);
    return id;
  });
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$/i;

/**
 * The group operations IdPs send, read exactly (scim.md): `add` on members;
 * `remove` on `members[value eq "id"]`; `remove` on `members` with a value
 * list removes exactly those members (Entra ID), without one removes all;
 * `replace` on members sets the list; pathless `replace`/`add` with
 * displayName, externalId or members (Okta renames with `{id, displayName}`).
 */
export function readGroupChange(
  operations: PatchOperation[],
  currentMembers: readonly string[],
): GroupChange {
  const change: GroupChange = {};
  let members = new Set(currentMembers);
  let touched = false;
  const setMembers = (ids: string[]) => {
    members = new Set(ids);
    touched = true;
  };
  const addMembers = (ids: string[]) => {
    for (const id of ids) members.add(id);
    touched = true;
  };
  const removeMembers = (ids: string[]) => {
    for (const id of ids) members.delete(id);
    touched = true;
  };
  const setAttribute = (name: string, value: unknown) => {
    if (name === 'displayName') {
      if (typeof value !== 'string' || value.trim() === '' || value.length > 100) {
        throw invalidValue('"displayName" must be a string of 1-100 characters.');
      }
      change.displayName = value.trim();
    } else if (name === 'externalId') {
      if (value !== null && (typeof value !== 'string' || value.length > 254)) {
        throw invalidValue('"externalId" must be a string of at most 254 characters.');
      }
      change.externalId = value === '' ? null : value;
    } else if (READ_ONLY.has(name)) {
      // Okta sends the id back with a rename: not a change.
    } else {
      throw invalidPath(`"${name}" is not an attribute of a Group.`);
    }
  };

  for (const operation of operations) {
    const path = operation.path === undefined ? undefined : canonicalPath(operation.path, 'Group');
    if (path === undefined) {
      const value = canonicalKeys(operation.value as never, 'Group');
      if (!isObject(value)) throw invalidValue('A pathless operation needs an object value.');
      for (const [key, item] of Object.entries(value)) {
        if (key === 'members') {
          if (operation.op === 'replace') setMembers(memberIds(item, 'members'));
          else addMembers(memberIds(item, 'members'));
        } else setAttribute(key, item);
      }
      continue;
    }
    const filtered = MEMBER_FILTER.exec(path);
    if (filtered) {
      if (operation.op !== 'remove')
        throw invalidPath(`"${path}": only remove takes a member filter.`);
      removeMembers([filtered[1]]);
      continue;
    }
    if (path === 'members') {
      if (operation.op === 'add') addMembers(memberIds(operation.value, 'members'));
      else if (operation.op === 'replace') setMembers(memberIds(operation.value ?? [], 'members'));
      else if (operation.value === undefined || operation.value === null) setMembers([]);
      else removeMembers(memberIds(operation.value, 'members'));
      continue;
    }
    if (operation.op === 'remove') {
      if (path === 'externalId') change.externalId = null;
      else if (path === 'displayName')
        throw mutability('"displayName" is required and cannot be removed.');
      else throw invalidPath(`"${path}" is not an attribute of a Group that can be removed.`);
      continue;
    }
    setAttribute(path, operation.value);
  }
  if (touched) {
    const before = new Set(currentMembers);
    change.members = {
      add: [...members].filter((id) => !before.has(id)),
      remove: [...before].filter((id) => !members.has(id)),
    };
  }
  return change;
}
