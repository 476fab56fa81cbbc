import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/** "Subject S of connection C is user U": how an SSO sign-in finds its person. */
@Entity({ tableName: 'sso_identities' })
export class SsoIdentity extends OrganizationOwnedEntity<'email' | 'lastLoginAt'> {
  @Property({ type: 'uuid' })
  connectionId!: string;

  @Property({ type: 'string', length: 512 })
  subject!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastLoginAt: Date | null = null;
}
