import { Entity, Property } from '@mikro-orm/core';
import type { Permission } from '../../authz/vocabulary';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/** A custom role of one organization: a named set of permissions from the matrix's vocabulary. */
@Entity({ tableName: 'roles' })
export class Role extends OrganizationOwnedEntity<'description' | 'permissions'> {
  @Property({ type: 'string', length: 50 })
  key!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  @Property({ type: 'json' })
  permissions: Permission[] = [];
}
