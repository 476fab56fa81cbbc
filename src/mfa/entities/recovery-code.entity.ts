import { Entity, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

/** A single-use recovery code, stored as SHA-256 (each code carries 50 random bits). */
@Entity({ tableName: 'mfa_recovery_codes' })
export class RecoveryCode extends OrganizationOwnedEntity<'usedAt'> {
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 64, hidden: true })
  codeHash!: string;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}
