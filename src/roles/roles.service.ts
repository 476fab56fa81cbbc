import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { isBuiltInRoleKey, type Permission, SCIM_PROVISIONING } from '../authz/vocabulary';
import { ProblemException } from '../common/problem/problem';
import { scoped } from '../infra/database/organization-owned.entity';
import { Role } from '../directory/roles/role.entity';
import { type RoleCatalog, type RoleDefinition } from '../directory/roles/role-catalog';
import { definitionOf, RoleCatalogService } from '../directory/roles/role-catalog.service';

export interface CustomRoleInput {
  key: string;
  name: string;
  description?: string | null;
  permissions: Permission[];
}

/**
 * Built-in and custom roles: reading them with the caller's ability, and
 * changing custom roles (each change bumps the catalog's version, so every
 * instance rebuilds abilities on its next request).
 */
@Injectable()
export class RolesService {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogs: RoleCatalogService,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
  ) {}

  catalog(organizationId: string): Promise<RoleCatalog> {
    return this.catalogs.catalog(organizationId);
  }

  /**
   * Roles the caller may read (all of them, or only the ones they hold), each
   * with whether the caller may grant it.
   */
  async list(principal: Principal): Promise<Array<RoleDefinition & { grantable: boolean }>> {
    const catalog = await this.catalog(principal.organizationId);
    return catalog.roles
      .filter((role) => this.authz.can(principal, 'read', this.asRoleSubject(principal, role.key)))
      .map((role) => ({
        ...role,
        grantable: this.authz.canGrant(principal, role.key, role.permissions),
      }));
  }

  /** The matrix shows every role, so it needs read on every role, not only on one's own. */
  async assertCanReadAllRoles(principal: Principal): Promise<void> {
    await this.authz.assert(
      principal,
      'read',
      asSubject('Role', { organizationId: principal.organizationId, key: null }),
    );
  }

  async create(principal: Principal, input: CustomRoleInput): Promise<RoleDefinition> {
    if (isBuiltInRoleKey(input.key)) {
      throw new ProblemException(HttpStatus.CONFLICT, `"${input.key}" is a built-in role key.`, {
        type: 'conflict',
      });
    }
    await this.authz.assert(principal, 'create', this.asRoleSubject(principal, input.key));
    await this.assertGrantable(principal, input.permissions);
    const role = await this.em.transactional(async (em) => {
      const exists = await em.count(Role, { key: input.key }, scoped(principal.organizationId));
      if (exists > 0)
        throw new ProblemException(HttpStatus.CONFLICT, 'Role key already exists', {
          type: 'conflict',
        });
      const created = em.create(Role, {
        organizationId: principal.organizationId,
        key: input.key,
        name: input.name,
        description: input.description ?? null,
        permissions: input.permissions,
      });
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'role.created',
        target: { type: 'Role', id: created.key },
        changes: { name: { to: created.name }, permissions: { to: created.permissions } },
      });
      return created;
    });
    await this.bumpVersion(principal.organizationId);
    return definitionOf(role);
  }

  async update(
    principal: Principal,
    key: string,
    input: Partial<Omit<CustomRoleInput, 'key'>>,
  ): Promise<RoleDefinition> {
    await this.refuseBuiltIn(principal, key, 'update');
    await this.authz.assert(principal, 'update', this.asRoleSubject(principal, key));
    if (input.permissions) await this.assertGrantable(principal, input.permissions);
    const role = await this.em.transactional(async (em) => {
      const found = await this.findCustom(em, principal, key);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const field of ['name', 'description', 'permissions'] as const) {
        const next = input[field];
        if (next !== undefined && JSON.stringify(next) !== JSON.stringify(found[field])) {
          changes[field] = { from: found[field], to: next };
        }
      }
      em.assign(found, input);
      await em.flush();
      if (Object.keys(changes).length === 0) return found;
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'role.updated',
        target: { type: 'Role', id: key },
        changes,
      });
      return found;
    });
    await this.bumpVersion(principal.organizationId);
    return definitionOf(role);
  }

  async remove(principal: Principal, key: string): Promise<void> {
    await this.refuseBuiltIn(principal, key, 'delete');
    await this.authz.assert(principal, 'delete', this.asRoleSubject(principal, key));
    await this.em.transactional(async (em) => {
      const found = await this.findCustom(em, principal, key);
      await this.assertGrantable(principal, found.permissions);
      em.remove(found);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'role.deleted',
        target: { type: 'Role', id: key },
        changes: { permissions: { from: found.permissions } },
      });
    });
    await this.bumpVersion(principal.organizationId);
  }

  private asRoleSubject(principal: Principal, key: string) {
    return asSubject('Role', { key, organizationId: principal.organizationId });
  }

  /** A custom role may not hold more than its author (rule 1 applies to custom roles too). */
  private async assertGrantable(principal: Principal, permissions: Permission[]): Promise<void> {
    if (permissions.some((permission) => permission.subject === SCIM_PROVISIONING.subject)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'SCIM provisioning is held by organization API keys only, never by a role.',
        {
          type: 'validation-failed',
          errors: [{ field: 'permissions', message: 'subject Scim is not allowed in a role' }],
        },
      );
    }
    await this.authz.assertCanGrant(principal, ['(custom role)'], () => permissions);
  }

  private async refuseBuiltIn(
    principal: Principal,
    key: string,
    action: 'update' | 'delete',
  ): Promise<void> {
    if (!isBuiltInRoleKey(key)) return;
    await this.authz.deny(
      principal,
      `${action} built-in role ${key}`,
      { type: 'Role', id: key },
      `Built-in roles cannot be changed or deleted ("${key}").`,
    );
  }

  private async findCustom(em: EntityManager, principal: Principal, key: string): Promise<Role> {
    const found = await em.findOne(Role, { key }, scoped(principal.organizationId));
    if (found === null)
      throw new ProblemException(HttpStatus.NOT_FOUND, `No role "${key}" in this organization.`);
    return found;
  }

  private async bumpVersion(organizationId: string): Promise<void> {
    await this.catalogs.bumpVersion(organizationId);
  }
}
