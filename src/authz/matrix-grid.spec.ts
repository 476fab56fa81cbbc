import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrixCsv, matrixGrid, matrixMarkdown } from './matrix-grid';

const cell = (subject: string, action: string, role: string) =>
  matrixGrid().find((row) => row.subject === subject && row.action === action)?.cells[role] ?? '-';

describe('the permission matrix data', () => {
  it('is what docs/permissions.md shows (run `npm run docs:permissions` after changing matrix.ts)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'permissions.md'), 'utf8');
    expect(committed).toBe(matrixMarkdown());
  });

  // Spot checks against the table of permissions.md in the specification.
  it.each([
    ['Organization', 'update', 'owner', 'Y'],
    ['Organization', 'update', 'it_admin', '-'],
    ['Organization', 'read', 'user', 'Y'],
    ['SsoConnection', 'update', 'security', '-'],
    ['User', 'update', 'user', 'own [displayName]'],
    ['User', 'delete', 'user', '-'],
    ['User', 'delete', 'governance', 'Y'],
    ['Role', 'read', 'user', 'own'],
    ['Role', 'create', 'it_admin', 'Y'],
    ['Role', 'create', 'security', '-'],
    ['Role', 'assign', 'developer', 'Y'],
    ['Role', 'assign', 'user', '-'],
    // Every role keeps the User's self-service (docs/adr/0002): their own memberships only.
    ['Group', 'read', 'governance', 'own'],
    ['Group', 'read', 'developer', 'own'],
    ['Group', 'read', 'compliance', 'Y'],
    ['Group', 'read', 'user', 'own'],
    ['Group', 'update', 'it_admin', 'Y'],
    ['Session', 'revoke', 'security', 'Y'],
    ['Session', 'revoke', 'compliance', 'own'],
    ['Session', 'revoke', 'user', 'own'],
    ['ApiKey', 'read', 'security', 'Y'],
    ['ApiKey', 'read', 'compliance', 'own'],
    ['Invite', 'create', 'governance', 'Y'],
    ['Invite', 'create', 'user', '-'],
    ['AuditEvent', 'export', 'developer', 'Y'],
    ['AuditEvent', 'read', 'user', '-'],
    ['Application', 'read', 'user', 'assigned'],
    ['Application', 'create', 'developer', 'assigned'],
    ['Application', 'create', 'security', '-'],
    ['Policy', 'update', 'governance', '-'],
    ['Policy', 'update', 'compliance', 'Y'],
    ['User', 'check', 'user', 'own'],
    ['User', 'check', 'governance', 'Y'],
  ])('%s %s for %s is %s', (subject, action, role, expected) => {
    expect(cell(subject, action, role)).toBe(expected);
  });

  it('exports CSV with a header row and one row per permission', () => {
    const lines = matrixCsv().trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'subject,action,owner,security,compliance,it_admin,governance,developer,user',
    );
    expect(lines).toHaveLength(matrixGrid().length + 1);
    expect(lines).toContain('User,update,Y,Y,Y,Y,Y,Y,own [displayName]');
  });
});
