import { type EntityManager, RequestContext } from '@mikro-orm/core';
import { requestDatabaseState } from '../../common/request-context';
import { TENANT_FILTER } from './organization-owned.entity';

/**
 * The request's EntityManager fork, made when something first uses it. Forking
 * copies the ORM's configuration and filters; a request that never touches the
 * unit of work (a probe, a hot read through a prepared statement) should not
 * pay for one. The fork is made already scoped to the caller's organization
 * when the caller is known by then.
 */
export class RequestForks {
  organizationId: string | undefined;
  private readonly forks = new Map<string, EntityManager>();
  private forking = false;

  constructor(private readonly root: EntityManager) {}

  made(name: string): EntityManager | undefined {
    return this.forks.get(name);
  }

  get(name: string): EntityManager | undefined {
    const made = this.forks.get(name);
    if (made !== undefined || name !== this.root.name || this.forking) return made;
    // While the fork is being built it asks for the context itself; it must see
    // none, as when MikroORM forks before entering a context.
    this.forking = true;
    try {
      const fork = this.root.fork({ useContext: true, disableContextResolution: true });
      if (this.organizationId !== undefined)
        fork.setFilterParams(TENANT_FILTER, { organizationId: this.organizationId });
      this.forks.set(name, fork);
      return fork;
    } finally {
      this.forking = false;
    }
  }
}

/** The current request's forks: the request context's database state (src/common/request-context.ts). */
function currentForks(): RequestForks | undefined {
  const state = requestDatabaseState();
  return state instanceof RequestForks ? state : undefined;
}

/**
 * The ORM's `context` option: which EntityManager a contextual call uses. A
 * context MikroORM made itself (`RequestContext.create`) wins; otherwise the
 * request's own fork; otherwise none (and the ORM refuses the global one).
 */
export function requestEntityManager(name: string): EntityManager | undefined {
  return RequestContext.getEntityManager(name) ?? currentForks()?.get(name);
}

/**
 * Scopes the request's ORM queries to the caller's organization (the tenant
 * filter): on the fork if it exists, else on the fork when it is made.
 */
export function scopeRequestToOrganization(em: EntityManager, organizationId: string): void {
  const forks = currentForks();
  if (forks === undefined) {
    em.setFilterParams(TENANT_FILTER, { organizationId });
    return;
  }
  forks.organizationId = organizationId;
  forks.made(em.name)?.setFilterParams(TENANT_FILTER, { organizationId });
}
