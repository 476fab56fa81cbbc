import { type EntityManager, type MikroORM, RequestContext } from '@mikro-orm/core';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { TENANT_FILTER } from './organization-owned.entity';

/**
 * The request's EntityManager fork, made when something first uses it. Forking
 * copies the ORM's configuration and filters; a request that never touches the
 * unit of work (a probe, a hot read through a prepared statement) should not
 * pay for one. MikroORM looks the fork up through `map.get`, so this map makes
 * it on that first lookup, already scoped to the caller's organization.
 */
class LazyForks extends Map<string, EntityManager> {
  organizationId: string | undefined;
  private forking = false;

  constructor(private readonly root: EntityManager) {
    super();
  }

  made(name: string): EntityManager | undefined {
    return super.get(name);
  }

  override get(name: string): EntityManager | undefined {
    const made = super.get(name);
    if (made !== undefined || name !== this.root.name || this.forking) return made;
    // While the fork is being built it asks for the context itself; it must see
    // none, as when MikroORM forks before entering a context.
    this.forking = true;
    try {
      const fork = this.root.fork({ useContext: true, disableContextResolution: true });
      if (this.organizationId !== undefined)
        fork.setFilterParams(TENANT_FILTER, { organizationId: this.organizationId });
      this.set(name, fork);
      return fork;
    } finally {
      this.forking = false;
    }
  }
}

/**
 * MikroORM's own request context store: `RequestContext.create` would fork at
 * once. The store is what `RequestContext.create` runs in (and what the ORM
 * reads), so a context put there behaves exactly like one it made itself.
 */
const contexts = (RequestContext as unknown as { storage: AsyncLocalStorage<RequestContext> })
  .storage;

/** Runs `next` (a request) with its own EntityManager fork, made on first use. */
export function runInRequestScope<T>(orm: MikroORM, next: () => T): T {
  return contexts.run(new RequestContext(new LazyForks(orm.em)), next);
}

/**
 * Scopes the request's ORM queries to the caller's organization (the tenant
 * filter): on the fork if it exists, else on the fork when it is made.
 */
export function scopeRequestToOrganization(em: EntityManager, organizationId: string): void {
  const forks = RequestContext.currentRequestContext()?.map;
  if (!(forks instanceof LazyForks)) {
    em.setFilterParams(TENANT_FILTER, { organizationId });
    return;
  }
  forks.organizationId = organizationId;
  forks.made(em.name)?.setFilterParams(TENANT_FILTER, { organizationId });
}
