import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { scoped } from '../infra/database/organization-owned.entity';
import { Mailer } from '../infra/mail/mailer';
import { Organization } from '../tenancy/organization.entity';
import { Invite } from './entities/invite.entity';
import { renderInviteMail } from './invite-mail';

const SYSTEM = { type: 'system' as const, id: null, username: 'mail-worker' };

/**
 * The mail worker's side of an invite. Each send mints a fresh token (only its
 * hash is stored, so the secret exists nowhere but in the email), sends the
 * mail, and records the outcome on the invite for admins to see.
 */
@Injectable()
export class InviteDeliveryService {
  private readonly logger = new Logger('InviteDelivery');

  constructor(
    private readonly em: EntityManager,
    private readonly mailer: Mailer,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Sends invite `inviteId` for delivery `deliveryId` (the outbox message id).
   * Does nothing when the invite is no longer pending or a newer send replaced
   * this one. Throws when sending fails, so the queue retries with backoff.
   */
  async deliver(
    organizationId: string,
    inviteId: string,
    deliveryId: string,
    attempt: { final: boolean },
  ): Promise<'sent' | 'skipped'> {
    const token = randomSecret(32);
    const prepared = await this.em.fork().transactional(async (em) => {
      const invite = await em.findOne(
        Invite,
        { id: inviteId },
        scoped(organizationId, { lockMode: LockMode.PESSIMISTIC_WRITE }),
      );
      if (invite === null || invite.deliveryId !== deliveryId) return null;
      if (invite.statusAt(this.clock.now()) !== 'pending') return null;
      const organization = await em.findOneOrFail(Organization, { id: organizationId });
      invite.tokenHash = sha256Hex(token);
      invite.deliveryAttempts += 1;
      invite.lastAttemptAt = this.clock.now();
      await em.flush();
      return { invite, organizationName: organization.name };
    });
    if (prepared === null) {
      this.logger.log({
        msg: 'Invite mail skipped: invite no longer pending or re-sent',
        inviteId,
      });
      return 'skipped';
    }
    const { invite } = prepared;
    const link = new URL(this.config.invites.acceptUrl);
    link.searchParams.set('token', token);
    try {
      await this.mailer.send(
        renderInviteMail({
          to: invite.email,
          organizationName: prepared.organizationName,
          inviteeName: invite.displayName,
          inviterName: invite.invitedBy.username ?? null,
          acceptLink: link.toString(),
          expiresAt: invite.expiresAt,
        }),
      );
    } catch (error) {
      await this.recordFailure(organizationId, inviteId, deliveryId, error, attempt.final);
      throw error;
    }
    await this.em.fork().transactional(async (em) => {
      // One conditional update: a newer send (another delivery id) is left alone.
      const [current] = await em.getConnection().execute<Array<{ delivery_attempts: number }>>(
        `update invites set delivery_state = 'sent', sent_at = ?, last_error = null, updated_at = ?
          where organization_id = ? and id = ? and delivery_id = ? returning delivery_attempts`,
        [this.clock.now(), this.clock.now(), organizationId, inviteId, deliveryId],
        'all',
        em.getTransactionContext(),
      );
      if (current === undefined) return;
      await this.audit.record(em, {
        organizationId,
        actor: SYSTEM,
        action: 'invite.sent',
        target: { type: 'Invite', id: inviteId },
        changes: { attempt: current.delivery_attempts },
      });
    });
    this.logger.log({ msg: 'Invite mail sent', inviteId, attempt: invite.deliveryAttempts });
    return 'sent';
  }

  private async recordFailure(
    organizationId: string,
    inviteId: string,
    deliveryId: string,
    error: unknown,
    final: boolean,
  ): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    this.logger.warn({ msg: 'Invite mail failed', inviteId, final, error: message });
    await this.em
      .fork()
      .nativeUpdate(
        Invite,
        { id: inviteId, deliveryId },
        { deliveryState: final ? 'failed' : 'retrying', lastError: message },
        scoped(organizationId),
      );
  }
}
