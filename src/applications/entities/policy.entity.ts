import { Entity, Enum, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type PolicyEffect = 'allow' | 'deny';

/** Every member of the organization, in a policy's `roles`. */
export const EVERYONE = '*';

/**
 * An access rule of one application: `effect` for `actions`, applied to the
 * users, the members of the groups and the holders of the roles it names.
 * Deny wins over allow; with no matching allow the answer is deny.
 */
@Entity({ tableName: 'application_policies' })
export class Policy extends OrganizationOwnedEntity<
  'description' | 'userIds' | 'groupIds' | 'roles' | 'createdById'
> {
  @Property({ type: 'uuid' })
  applicationId!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  @Enum({ items: ['allow', 'deny'] })
  effect!: PolicyEffect;

  @Property({ type: 'string[]', columnType: 'text[]' })
  actions!: string[];

  @Property({ type: 'string[]', columnType: 'uuid[]' })
  userIds: string[] = [];

  @Property({ type: 'string[]', columnType: 'uuid[]' })
  groupIds: string[] = [];

  @Property({ type: 'string[]', columnType: 'text[]' })
  roles: string[] = [];

  @Property({ type: 'uuid', nullable: true })
  createdById: string | null = null;
}
