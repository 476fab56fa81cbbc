import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/** A set of users; its roles are inherited by every member. Names are unique per organization, ignoring case. */
@Entity({ tableName: 'groups' })
export class Group extends OrganizationOwnedEntity<
  'description' | 'roles' | 'externalId' | 'scimManaged'
> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  @Property({ type: 'string[]', columnType: 'text[]' })
  roles: string[] = [];

  /** The identity provider's own id for a group it pushed (SCIM `externalId`). */
  @Property({ type: 'string', length: 254, nullable: true })
  externalId: string | null = null;

  /** Created over SCIM: the identity provider manages its name and members (never its roles). */
  @Property({ type: 'boolean' })
  scimManaged = false;
}
