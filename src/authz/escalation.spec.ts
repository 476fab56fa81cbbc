import { coversAll } from './escalation';
import { BUILT_IN_ROLES } from './matrix';
import type { Permission } from './vocabulary';

const permissionsOf = (key: string): Permission[] =>
  BUILT_IN_ROLES.find((role) => role.key === key)?.permissions ?? [];

describe('coversAll (rule 1: no privilege escalation)', () => {
  it('covers a permission with the same one, and with manage on the subject', () => {
    const read: Permission = { action: 'read', subject: 'User' };
    expect(coversAll([read], [read])).toBe(true);
    expect(coversAll([{ action: 'manage', subject: 'User' }], [read])).toBe(true);
    expect(coversAll([read], [{ action: 'manage', subject: 'User' }])).toBe(false);
  });

  it('never covers a broader scope, other fields or other conditions', () => {
    const own: Permission = { action: 'update', subject: 'User', scope: 'own' };
    const all: Permission = { action: 'update', subject: 'User' };
    expect(coversAll([all], [own])).toBe(true);
    expect(coversAll([own], [all])).toBe(false);
    const name: Permission = { action: 'update', subject: 'User', fields: ['displayName'] };
    expect(coversAll([all], [name])).toBe(true);
    expect(coversAll([name], [all])).toBe(false);
    expect(coversAll([name], [{ ...name, fields: ['displayName', 'email'] }])).toBe(false);
    const mine: Permission = { action: 'read', subject: 'Group', conditions: { name: 'a' } };
    expect(coversAll([mine], [{ ...mine, conditions: { name: 'b' } }])).toBe(false);
  });

  it('orders the built-in roles as the matrix says: the Owner covers all, the User none above it', () => {
    const keys = BUILT_IN_ROLES.map((role) => role.key);
    for (const key of keys) {
      expect(coversAll(permissionsOf('owner'), permissionsOf(key))).toBe(true);
    }
    for (const key of keys.filter((k) => k !== 'user')) {
      expect({ key, covered: coversAll(permissionsOf('user'), permissionsOf(key)) }).toEqual({
        key,
        covered: false,
      });
    }
    expect(coversAll(permissionsOf('it_admin'), permissionsOf('owner'))).toBe(false);
  });
});
