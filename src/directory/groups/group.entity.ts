import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/** A set of users; its roles are inherited by every member. Names are unique per organization, ignoring case. */
@Entity({ tableName: 'groups' })
export class Group extends OrganizationOwnedEntity<'description' | 'roles'> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  @Property({ type: 'string[]', columnType: 'text[]' })
  roles: string[] = [];
}
