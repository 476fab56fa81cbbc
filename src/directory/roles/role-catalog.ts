import { HttpStatus } from '@nestjs/common';
import { BUILT_IN_ROLES, SELF_SERVICE } from '../../authz/matrix';
import type { Permission } from '../../authz/vocabulary';
import { ProblemException } from '../../common/problem/problem';

export interface RoleDefinition {
  key: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  permissions: Permission[];
}

/** Every role an organization can grant: the seven built-ins and its custom roles. */
export class RoleCatalog {
  private readonly byKey: Map<string, RoleDefinition>;

  constructor(custom: readonly RoleDefinition[]) {
    const builtIn = BUILT_IN_ROLES.map((role): RoleDefinition => ({
      ...role,
      builtIn: true,
      permissions: [...role.permissions],
    }));
    this.byKey = new Map([...builtIn, ...custom].map((role) => [role.key, role]));
  }

  get roles(): RoleDefinition[] {
    return [...this.byKey.values()];
  }

  find(key: string): RoleDefinition | undefined {
    return this.byKey.get(key);
  }

  unknownKeys(keys: readonly string[]): string[] {
    return keys.filter((key) => !this.byKey.has(key));
  }

  /** Refuses (400) role keys this organization does not have. */
  assertKnown(keys: readonly string[]): void {
    const unknown = this.unknownKeys(keys);
    if (unknown.length === 0) return;
    throw new ProblemException(HttpStatus.BAD_REQUEST, `Unknown role(s): ${unknown.join(', ')}.`, {
      type: 'validation-failed',
      errors: unknown.map((key) => ({ field: 'roles', message: `unknown role "${key}"` })),
    });
  }

  /** Self-service plus every named role's permissions (unknown keys grant nothing). */
  permissionsOf(keys: readonly string[]): Permission[] {
    return [...SELF_SERVICE, ...keys.flatMap((key) => this.byKey.get(key)?.permissions ?? [])];
  }
}
