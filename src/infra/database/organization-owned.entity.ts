import { Filter, Index, Property } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';

export const TENANT_FILTER = 'tenant';

export interface TenantFilterArgs {
  organizationId: string;
}

/**
 * Find options that set the tenant filter for one query, with any others:
 * `em.find(X, where, scoped(orgId, { orderBy }))`. The one way to name the
 * filter (lint refuses a hand-written `filters: { tenant: ... }`).
 */
export function scoped<T extends object = Record<never, never>>(
  organizationId: string,
  options?: T,
): T & { filters: { [TENANT_FILTER]: TenantFilterArgs } } {
  return { ...(options as T), filters: { [TENANT_FILTER]: { organizationId } } };
}

/** Find options for the rare query that must see every organization (token lookups by hash). */
export const ACROSS_ORGANIZATIONS = { filters: { [TENANT_FILTER]: false } } as const;

/**
 * Base of every table that belongs to one organization. The tenant filter is on
 * by default and needs the organization id: a query made without one fails
 * instead of reading across organizations. Set it per request with
 * `em.setFilterParams(TENANT_FILTER, { organizationId })` (done by the auth
 * guard) or per query with `scoped(organizationId)`.
 */
@Filter({
  name: TENANT_FILTER,
  default: true,
  cond: (args: TenantFilterArgs) => ({ organizationId: args.organizationId }),
})
export abstract class OrganizationOwnedEntity<Optional = never> extends BaseEntity<Optional> {
  @Index()
  @Property({ type: 'uuid', fieldName: 'organization_id' })
  organizationId!: string;
}
