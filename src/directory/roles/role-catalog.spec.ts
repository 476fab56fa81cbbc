import { ProblemException } from '../../common/problem/problem';
import { BUILT_IN_ROLES, SELF_SERVICE } from '../../authz/matrix';
import { RoleCatalog } from './role-catalog';

describe('RoleCatalog', () => {
  const custom = {
    key: 'auditor_lite',
    name: 'Auditor lite',
    description: null,
    builtIn: false,
    permissions: [{ action: 'read' as const, subject: 'AuditEvent' as const }],
  };
  const catalog = new RoleCatalog([custom]);

  it('holds the seven built-ins and the organization’s custom roles', () => {
    expect(catalog.roles).toHaveLength(BUILT_IN_ROLES.length + 1);
    expect(catalog.find('auditor_lite')).toEqual(custom);
    expect(catalog.find('owner')?.builtIn).toBe(true);
  });

  it('names unknown keys and refuses them with a 400 naming each', () => {
    expect(catalog.unknownKeys(['owner', 'ghost', 'auditor_lite', 'phantom'])).toEqual([
      'ghost',
      'phantom',
    ]);
    expect(() => catalog.assertKnown(['owner'])).not.toThrow();
    try {
      catalog.assertKnown(['ghost']);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemException);
      expect((error as ProblemException).getStatus()).toBe(400);
      expect((error as ProblemException).extras.errors).toEqual([
        { field: 'roles', message: 'unknown role "ghost"' },
      ]);
    }
  });

  it('gives the self-service baseline plus every named role, and nothing for unknown keys', () => {
    expect(catalog.permissionsOf([])).toEqual(SELF_SERVICE);
    expect(catalog.permissionsOf(['ghost'])).toEqual(SELF_SERVICE);
    expect(catalog.permissionsOf(['auditor_lite'])).toEqual([
      ...SELF_SERVICE,
      ...custom.permissions,
    ]);
  });
});
