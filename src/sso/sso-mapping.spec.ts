import type { SsoConnection } from './entities/sso-connection.entity';
import { mappedAccess } from './sso-sign-in.service';

const connection = (overrides: Partial<SsoConnection> = {}) =>
  ({
    defaultRoles: ['user'],
    mappings: [
      { claim: 'groups', value: 'eng', roles: ['developer'], groupIds: ['g-eng'] },
      { claim: 'groups', value: 'sec', roles: ['security'], groupIds: [] },
      { claim: 'department', value: '42', roles: ['governance'], groupIds: ['g-gov'] },
    ],
    ...overrides,
  }) as SsoConnection;

describe('mappedAccess (SSO mapping rules)', () => {
  it('gives the default roles and what every matching rule adds, each once, and names what it manages', () => {
    expect(mappedAccess(connection(), { groups: ['eng', 'sec', 'eng'] })).toEqual({
      roles: ['user', 'developer', 'security'],
      groupIds: ['g-eng'],
      // What later sign-ins may add or remove: every role and group any rule can give.
      managedRoles: new Set(['user', 'developer', 'security', 'governance']),
      managedGroupIds: new Set(['g-eng', 'g-gov']),
    });
  });

  it('matches a claim sent as one string, or as a number or boolean', () => {
    expect(mappedAccess(connection(), { groups: 'sec' }).roles).toEqual(['user', 'security']);
    expect(mappedAccess(connection(), { department: 42 }).roles).toEqual(['user', 'governance']);
  });

  it('matches values one level inside a list, and ignores anything deeper or not a scalar', () => {
    expect(mappedAccess(connection(), { groups: [['eng']] }).roles).toContain('developer');
    expect(mappedAccess(connection(), { groups: [[['sec']]] }).roles).toEqual(['user']);
    expect(mappedAccess(connection(), { groups: { eng: true } }).roles).toEqual(['user']);
    expect(mappedAccess(connection(), {}).roles).toEqual(['user']);
  });
});
