import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type FactorType = 'totp' | 'webauthn';

/** A second factor of one user. Until confirmed with a code it does not count for sign-in. */
@Entity({ tableName: 'mfa_factors' })
export class MfaFactor extends OrganizationOwnedEntity<
  | 'confirmedAt'
  | 'lastUsedStep'
  | 'lastUsedAt'
  | 'secret'
  | 'credentialId'
  | 'publicKey'
  | 'signCount'
  | 'transports'
> {
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  type!: FactorType;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The TOTP secret, sealed with SecretBox (context: the factor id); never returned after enrolment. */
  @Property({ type: 'text', hidden: true, nullable: true })
  secret: string | null = null;

  /** WebAuthn: the credential id (base64url) the authenticator names in each assertion. */
  @Property({ type: 'text', nullable: true })
  credentialId: string | null = null;

  /** WebAuthn: the COSE public key (base64url); public, not a secret. */
  @Property({ type: 'text', nullable: true })
  publicKey: string | null = null;

  /** WebAuthn: the authenticator's signature counter (a lower one means a cloned key). */
  @Property({ type: 'bigint' })
  signCount: string = '0';

  @Property({ type: 'string[]', columnType: 'text[]', nullable: true })
  transports: string[] | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  confirmedAt: Date | null = null;

  /** The last accepted TOTP time step: a code is accepted only for a later step (never twice). */
  @Property({ type: 'bigint', nullable: true })
  lastUsedStep: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;
}
