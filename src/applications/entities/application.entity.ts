import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/**
 * A resource the organization protects. Its owner (the creator, until
 * ownership is transferred) and the users and groups it is assigned to decide
 * who sees it; its policies decide what each person may do with it.
 */
@Entity({ tableName: 'applications' })
export class Application extends OrganizationOwnedEntity<
  'description' | 'assignedUserIds' | 'assignedGroupIds'
> {
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'string[]', columnType: 'uuid[]' })
  assignedUserIds: string[] = [];

  @Property({ type: 'string[]', columnType: 'uuid[]' })
  assignedGroupIds: string[] = [];
}
