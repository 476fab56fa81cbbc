import { BUILT_IN_ROLES, SELF_SERVICE } from './matrix';
import {
  type ActionName,
  type Permission,
  SUBJECT_ACTIONS,
  SUBJECTS,
  type SubjectName,
} from './vocabulary';

/** Y, own, assigned or -, optionally followed by a field limit: `own [displayName]`. */
export type Cell = string;

export interface MatrixRow {
  subject: SubjectName;
  action: ActionName;
  /** One cell per built-in role key: Y, own, assigned or -, with a field limit in brackets. */
  cells: Record<string, Cell>;
}

function cellFor(
  permissions: readonly Permission[],
  subject: SubjectName,
  action: ActionName,
): Cell {
  const matching = permissions.filter(
    (permission) =>
      permission.subject === subject &&
      (permission.action === action || permission.action === 'manage'),
  );
  if (matching.length === 0) return '-';
  const broadest = matching.find(
    (permission) => (permission.scope ?? 'all') === 'all' && !permission.fields,
  );
  if (broadest) return 'Y';
  const first = matching[0];
  const scope = first.scope === undefined || first.scope === 'all' ? 'Y' : first.scope;
  return first.fields ? `${scope} [${first.fields.join(', ')}]` : scope;
}

/** The rules that sit on top of the matrix, numbered as the code cites them ("rule 1"). */
export const MATRIX_RULES = [
  '**No privilege escalation.** A caller may grant a role (to a user, a group, an invite, or as the scope of an API key) only if every permission of that role is also a permission of the caller. So only an Owner can make an Owner. The same rule holds for custom roles.',
  '**The organization always keeps an active Owner.** Removing the Owner role from, deactivating, or deleting the last active Owner is refused (409).',
  '**Nobody deletes or deactivates themselves** through the admin endpoints (403).',
  '**Only an Owner may change another Owner** (profile, status, password, roles, sessions, keys). Likewise, a caller may act on a user only if the caller could grant every role that user holds (no acting on someone above you).',
  '**Tenancy first.** Every rule carries the caller’s organization as a condition; another organization’s objects are invisible (404).',
  '**Effective permissions** = union of the user’s roles and their groups’ roles; for a personal API key, the intersection of that with the key’s scope; for a system key, the key’s scope alone.',
  '**Changes apply at once.** Role, group and status changes are seen by the affected user’s next request.',
  '**Access reviews remove on the organization’s behalf.** A campaign’s revoke is remediation, not a grant: its creator and reviewers need not be able to make the change by hand. Two limits stay: nobody decides an item about their own access, and an Owner’s access is reviewed by the other Owners (only a caller who could grant Owner decides it; an overdue Owner item is revoked automatically only in a campaign an Owner started). Rule 2 still holds.',
] as const;

/** The permission matrix as a grid, computed from matrix.ts: what GET /roles/matrix and docs/permissions.md show. */
export function matrixGrid(): MatrixRow[] {
  const effective = BUILT_IN_ROLES.map((role) => ({
    key: role.key,
    permissions: [...SELF_SERVICE, ...role.permissions],
  }));
  return SUBJECTS.flatMap((subject) =>
    SUBJECT_ACTIONS[subject].map((action) => ({
      subject,
      action,
      cells: Object.fromEntries(
        effective.map((role) => [role.key, cellFor(role.permissions, subject, action)]),
      ),
    })),
  );
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function matrixCsv(): string {
  const keys = BUILT_IN_ROLES.map((role) => role.key);
  const lines = [['subject', 'action', ...keys].join(',')];
  for (const row of matrixGrid()) {
    lines.push(
      [row.subject, row.action, ...keys.map((key) => csvCell(row.cells[key] ?? '-'))].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function matrixMarkdown(): string {
  const header = ['permission', ...BUILT_IN_ROLES.map((role) => role.name)];
  const rows = matrixGrid().map((row) => [
    `${row.subject} ${row.action}`,
    ...BUILT_IN_ROLES.map((role) => row.cells[role.key] ?? '-'),
  ]);
  const table = [header, header.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  return [
    '# Permission matrix',
    '',
    'Generated from `src/authz/matrix.ts` by `npm run docs:permissions`; a test fails when this file is stale.',
    'Y = every object of the organization; own = the caller’s own; assigned = assigned to the caller',
    '(directly or through a group) or created by them; [fields] = only these fields; - = denied.',
    'Every rule is limited to the caller’s organization.',
    '',
    table,
    '',
    '## Rules on top of the matrix',
    '',
    'Enforced by `src/authz/` (the code cites them as "rule N").',
    '',
    ...MATRIX_RULES.map((rule, index) => `${index + 1}. ${rule}`),
    '',
  ].join('\n');
}
