import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { scoped } from '../../infra/database/organization-owned.entity';
import { Invalidations } from '../../infra/redis/invalidations';
import { RedisMirror } from '../../infra/redis/redis-mirror';
import { versionKey } from '../../infra/redis/versions';
import { Role } from './role.entity';
import { RoleCatalog, type RoleDefinition } from './role-catalog';

export function definitionOf(role: Role): RoleDefinition {
  return {
    key: role.key,
    name: role.name,
    description: role.description,
    builtIn: false,
    permissions: role.permissions,
  };
}

/**
 * Every role an organization can grant, as every grant and every ability
 * reads it. Cached in this process per Redis version: changing a custom role
 * bumps the version, so every instance rebuilds abilities on its next request.
 */
@Injectable()
export class RoleCatalogService {
  /** Catalogs by organization and roles version; the least recently used go first. */
  private readonly cache = new LRUCache<string, RoleCatalog>({ max: 1_000 });

  constructor(
    private readonly em: EntityManager,
    private readonly mirror: RedisMirror,
    private readonly invalidations: Invalidations,
  ) {}

  /** The current version of an organization's custom roles ('' when Redis cannot tell: no caching then). */
  async version(organizationId: string): Promise<string> {
    try {
      const [version] = await this.mirror.read([versionKey.organizationRoles(organizationId)]);
      return version ?? '0';
    } catch {
      return '';
    }
  }

  async catalog(organizationId: string, version?: string): Promise<RoleCatalog> {
    // Kept only under the mirror's lease, per epoch: a bump that failed while
    // Redis was away leaves the version as it was (RedisMirror.leasedEpoch).
    const epoch = this.mirror.leasedEpoch;
    const current = version ?? (await this.version(organizationId));
    const keep = current !== '' && epoch !== null;
    const cacheKey = `${organizationId}:${current}:${epoch}`;
    const cached = keep ? this.cache.get(cacheKey) : undefined;
    if (cached) return cached;
    const custom = await this.em.fork().find(Role, {}, scoped(organizationId));
    const catalog = new RoleCatalog(custom.map(definitionOf));
    if (keep && this.mirror.leasedEpoch === epoch) this.cache.set(cacheKey, catalog);
    return catalog;
  }

  /** A custom role changed: every instance rebuilds the catalog on its next request. */
  async bumpVersion(organizationId: string): Promise<void> {
    await this.invalidations.apply({
      kind: 'increment',
      keys: [versionKey.organizationRoles(organizationId)],
    });
    this.cache.clear();
  }
}
