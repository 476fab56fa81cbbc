import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { scoped } from '../infra/database/organization-owned.entity';
import { Mailer } from '../infra/mail/mailer';
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
    // The token is stored before the mail leaves, in one conditional update that
    // also answers what the mail needs: nothing when the invite is no longer
    // pending or a newer send (another delivery id) replaced this one.
    const now = this.clock.now();
    const [prepared] = await this.em.getConnection().execute<
      Array<{
        email: string;
        display_name: string | null;
        invited_by: { username?: string | null };
        expires_at: string;
        delivery_attempts: number;
        organization_name: string;
      }>
    >(
      `update invites i
          set token_hash = ?, delivery_attempts = i.delivery_attempts + 1, last_attempt_at = ?, updated_at = ?
         from organizations o
        where i.organization_id = ? and i.id = ? and i.delivery_id = ?
          and i.status = 'pending' and i.expires_at > ? and o.id = i.organization_id
        returning i.email, i.display_name, i.invited_by, i.expires_at, i.delivery_attempts,
                  o.name as organization_name`,
      [sha256Hex(token), now, now, organizationId, inviteId, deliveryId, now],
    );
    if (prepared === undefined) {
      this.logger.log({
        msg: 'Invite mail skipped: invite no longer pending or re-sent',
        inviteId,
      });
      return 'skipped';
    }
    const link = new URL(this.config.invites.acceptUrl);
    link.searchParams.set('token', token);
    try {
      await this.mailer.send(
        renderInviteMail({
          to: prepared.email,
          organizationName: prepared.organization_name,
          inviteeName: prepared.display_name,
          inviterName: prepared.invited_by.username ?? null,
          acceptLink: link.toString(),
          expiresAt: new Date(prepared.expires_at),
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
    this.logger.log({ msg: 'Invite mail sent', inviteId, attempt: prepared.delivery_attempts });
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
