import { Entity, Enum, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type UserStatus = 'active' | 'inactive';

/** A person of one organization. Username and email are unique per organization, ignoring case. */
@Entity({ tableName: 'users' })
export class User extends OrganizationOwnedEntity<
  'status' | 'roles' | 'email' | 'displayName' | 'passwordHash' | 'failedLoginAttempts'
> {
  @Property({ type: 'string', length: 50 })
  username!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  displayName: string | null = null;

  @Enum({ items: ['active', 'inactive'] })
  status: UserStatus = 'active';

  /** Role keys held directly (built-in or custom); groups add theirs. */
  @Property({ type: 'string[]', columnType: 'text[]' })
  roles: string[] = [];

  /** argon2id; never serialised, never logged. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: false })
  passwordHash: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastLoginAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastLoginIp: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastActivityAt: Date | null = null;

  /** Failed password sign-ins since the last successful one (or the last unlock). */
  @Property({ type: 'integer' })
  failedLoginAttempts = 0;

  /** The account refuses sign-in until then; a time in the past is a lock that has run out. */
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lockedUntil: Date | null = null;
}
