import { Filter, Index, Property } from '@mikro-orm/core';
import { BaseEntity } from './base.entity';

export const TENANT_FILTER = 'tenant';

export interface TenantFilterArgs {
  organizationId: string;
}

/** Find options that set the tenant filter for one query: `em.find(X, where, scoped(orgId))`. */
export const scoped = (organizationId: string) => ({
  filters: { [TENANT_FILTER]: { organizationId } },
});

/**
 * Base of every table that belongs to one organization. The tenant filter is on
 * by default and needs the organization id: a query made without one fails
 * instead of reading across organizations. Set it per request with
 * `em.setFilterParams(TENANT_FILTER, { organizationId })` (done by the auth
 * guard) or per query with `filters: { tenant: { organizationId } }`.
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
