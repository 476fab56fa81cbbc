import { ACTIONS, type ActionName, type Permission, type Scope } from './vocabulary';

interface Atom {
  action: ActionName;
  subject: string;
  scope: Scope;
  fields?: readonly string[];
  conditions?: string;
}

function atomsOf(permissions: readonly Permission[]): Atom[] {
  return permissions.flatMap((permission) => {
    const actions: ActionName[] =
      permission.action === 'manage' ? [...ACTIONS] : [permission.action];
    return actions.map((action) => ({
      action,
      subject: permission.subject,
      scope: permission.scope ?? 'all',
      fields: permission.fields,
      conditions: permission.conditions ? JSON.stringify(permission.conditions) : undefined,
    }));
  });
}

function atomCovers(held: Atom, wanted: Atom): boolean {
  if (held.action !== wanted.action || held.subject !== wanted.subject) return false;
  if (held.scope !== 'all' && held.scope !== wanted.scope) return false;
  if (held.fields && !(wanted.fields ?? []).every((field) => held.fields?.includes(field)))
    return false;
  if (held.fields && wanted.fields === undefined) return false;
  if (held.conditions !== undefined && held.conditions !== wanted.conditions) return false;
  return true;
}

/**
 * Rule 1 (docs/permissions.md), no privilege escalation: `held` covers `wanted`
 * when every permission in `wanted` is also in `held`, at least as broad
 * (scope, fields, conditions).
 */
export function coversAll(held: readonly Permission[], wanted: readonly Permission[]): boolean {
  const heldAtoms = atomsOf(held);
  return atomsOf(wanted).every((atom) => heldAtoms.some((mine) => atomCovers(mine, atom)));
}
