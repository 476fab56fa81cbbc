import { Entity, Enum, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type UserStatus = 'active' | 'inactive';

/** The SCIM enterprise extension's attributes (RFC 7643 §4.3), as an IdP sends them. */
export interface EnterpriseAttributes {
  employeeNumber?: string;
  department?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  managerId?: string;
}

/** A person of one organization. Username and email are unique per organization, ignoring case. */
@Entity({ tableName: 'users' })
export class User extends OrganizationOwnedEntity<
  | 'status'
  | 'roles'
  | 'email'
  | 'displayName'
  | 'passwordHash'
  | 'failedLoginAttempts'
  | 'externalId'
  | 'givenName'
  | 'familyName'
  | 'formattedName'
  | 'locale'
  | 'enterprise'
  | 'failedMfaAttempts'
  | 'mfaLockedUntil'
> {
  /** A handle (3–50 of letters, digits, ".", "_", "-") or an email address (USERNAME_PATTERN). */
  @Property({ type: 'string', length: 254 })
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

  /** The identity provider's own id for this person (SCIM `externalId`). */
  @Property({ type: 'string', length: 254, nullable: true })
  externalId: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  givenName: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  familyName: string | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  formattedName: string | null = null;

  @Property({ type: 'string', length: 35, nullable: true })
  locale: string | null = null;

  @Property({ type: 'json' })
  enterprise: EnterpriseAttributes = {};

  /** Wrong second-factor codes since the last accepted one, counted apart from passwords. */
  @Property({ type: 'integer' })
  failedMfaAttempts = 0;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  mfaLockedUntil: Date | null = null;
}
