import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type FactorType = 'totp';

/** A second factor of one user. Until confirmed with a code it does not count for sign-in. */
@Entity({ tableName: 'mfa_factors' })
export class MfaFactor extends OrganizationOwnedEntity<
  'confirmedAt' | 'lastUsedStep' | 'lastUsedAt'
> {
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 16 })
  type!: FactorType;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** The TOTP secret, sealed with SecretBox (context: the factor id); never returned after enrolment. */
  @Property({ type: 'text', hidden: true })
  secret!: string;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  confirmedAt: Date | null = null;

  /** The last accepted TOTP time step: a code is accepted only for a later step (never twice). */
  @Property({ type: 'bigint', nullable: true })
  lastUsedStep: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;
}
