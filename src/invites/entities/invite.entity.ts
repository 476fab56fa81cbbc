import { Entity, Property } from '@mikro-orm/core';
import type { AuditActor } from '../../audit/audit.service';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export type InviteStatus = 'pending' | 'accepted' | 'revoked' | 'expired';
/** queued: waiting for the worker; retrying: a send failed and will be tried again; failed: gave up. */
export type DeliveryState = 'queued' | 'sent' | 'retrying' | 'failed';

/**
 * An invitation to join an organization with given roles and groups. Its token
 * is minted when the email is sent and only its SHA-256 is stored; a resend
 * mints a new one, which ends the old link.
 */
@Entity({ tableName: 'invites' })
export class Invite extends OrganizationOwnedEntity<
  | 'displayName'
  | 'roles'
  | 'groupIds'
  | 'status'
  | 'tokenHash'
  | 'deliveryId'
  | 'acceptedUserId'
  | 'acceptedAt'
  | 'revokedAt'
  | 'deliveryState'
  | 'deliveryAttempts'
  | 'lastError'
  | 'lastAttemptAt'
  | 'sentAt'
> {
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  displayName: string | null = null;

  @Property({ type: 'string[]', columnType: 'text[]' })
  roles: string[] = [];

  @Property({ type: 'string[]', columnType: 'uuid[]' })
  groupIds: string[] = [];

  @Property({ type: 'string', length: 16 })
  status: InviteStatus = 'pending';

  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  tokenHash: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  expiresAt!: Date;

  /** Who invited, as audit events record actors (kept if that user is deleted). */
  @Property({ type: 'json' })
  invitedBy!: AuditActor;

  @Property({ type: 'uuid', nullable: true })
  acceptedUserId: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  acceptedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  /** The outbox message (and mail job) of the latest send; an older job finding another id does nothing. */
  @Property({ type: 'uuid', nullable: true })
  deliveryId: string | null = null;

  @Property({ type: 'string', length: 16 })
  deliveryState: DeliveryState = 'queued';

  @Property({ type: 'integer' })
  deliveryAttempts: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  sentAt: Date | null = null;

  /** The status a reader sees: a pending invite past its expiry is expired, even before the maintenance job marks it. */
  statusAt(now: Date): InviteStatus {
    return this.status === 'pending' && this.expiresAt <= now ? 'expired' : this.status;
  }
}
