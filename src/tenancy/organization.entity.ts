import { Entity, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../infra/database/base.entity';

/** Settings an Owner may change; absent keys fall back to the defaults in OrganizationSettingsDefaults. */
export interface OrganizationSettings {
  allowRegistration?: boolean;
  passwordMinLength?: number;
  accessTokenTtlSeconds?: number;
  sessionIdleTtlSeconds?: number;
  sessionAbsoluteTtlSeconds?: number;
  auditRetentionDays?: number;
  ssoEnforced?: boolean;
  /** Who must sign in with a second factor: nobody, every role above User, or everyone. */
  mfaRequired?: MfaRequirement;
  /** People may sign in with a passkey alone (no password): it is both factors. */
  passkeySignIn?: boolean;
  /** SSO sign-ins also need Warden's second factor (by default the IdP owns MFA). */
  mfaForSso?: boolean;
}

export type MfaRequirement = 'off' | 'admins' | 'everyone';

@Entity({ tableName: 'organizations' })
export class Organization extends BaseEntity<'settings'> {
  @Unique({ name: 'organizations_slug_unique' })
  @Property({ type: 'string', length: 63 })
  slug!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'json' })
  settings: OrganizationSettings = {};
}
