import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type ApiKeyType = 'personal' | 'system';

/** An API key. The secret itself is never stored: only its SHA-256. */
@Entity({ tableName: 'api_keys' })
export class ApiKey extends OrganizationOwnedEntity<
  'roles' | 'scim' | 'expiresAt' | 'lastUsedAt' | 'lastUsedIp' | 'revokedAt'
> {
  /** The owner a personal key acts as; null for organization (system) keys. */
  @Property({ type: 'uuid', nullable: true })
  userId!: string | null;

  @Property({ type: 'string' })
  type!: ApiKeyType;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The visible start of the secret (`wdn_<public id>`), to recognise a key in lists and logs. */
  @Property({ type: 'string', length: 32 })
  prefix!: string;

  @Property({ type: 'string', length: 64, hidden: true })
  secretHash!: string;

  /** Narrowing of a personal key, or the whole scope of a system key; null = all of the owner's permissions. */
  @Property({ type: 'string[]', columnType: 'text[]', nullable: true })
  roles: string[] | null = null;

  /** SCIM provisioning: organization keys only. */
  @Property({ type: 'boolean' })
  scim: boolean = false;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastUsedIp: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
