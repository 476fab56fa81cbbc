import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type SignInMethod =
  | 'password'
  | 'sso'
  | 'invite'
  | 'registration'
  | 'password+totp'
  | 'password+recovery_code'
  | 'password+webauthn'
  | 'passkey'
  | 'sso+totp'
  | 'sso+recovery_code'
  | 'sso+webauthn';

export type SessionPurpose = 'mfa_enrolment';

/** A signed-in device or client: what access and refresh tokens belong to. */
@Entity({ tableName: 'sessions' })
export class Session extends OrganizationOwnedEntity<
  'revokedAt' | 'revokedReason' | 'lastSeenAt' | 'purpose'
> {
  /** 'mfa_enrolment': the session may only enrol a second factor (the organization requires one). */
  @Property({ type: 'string', length: 24, nullable: true })
  purpose: SessionPurpose | null = null;

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string' })
  method!: SignInMethod;

  @Property({ type: 'string', nullable: true })
  ip!: string | null;

  @Property({ type: 'string', nullable: true })
  userAgent!: string | null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  lastSeenAt: Date = new Date();

  /** Ends the session when no refresh happens before it (idle lifetime). */
  @Property({ type: 'Date', columnType: 'timestamptz' })
  idleExpiresAt!: Date;

  /** Absolute lifetime: no refresh extends it. */
  @Property({ type: 'Date', columnType: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'string', nullable: true })
  revokedReason: string | null = null;

  isLiveAt(now: Date): boolean {
    return this.revokedAt === null && now < this.idleExpiresAt && now < this.expiresAt;
  }
}
