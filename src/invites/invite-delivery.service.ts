import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { scoped } from '../infra/database/organization-owned.entity';
import { Mailer } from '../infra/mail/mailer';
import { CommitBatcher } from '../common/commit-batcher';
import { Invite } from './entities/invite.entity';
import { renderInviteMail } from './invite-mail';

const SYSTEM = { type: 'system' as const, id: null, username: 'mail-worker' };

/**
 * The mail worker's side of an invite. Each send mints a fresh token (only its
 * hash is stored, so the secret exists nowhere but in the email), sends the
 * mail, and records the outcome on the invite for admins to see.
 */
/** A mail that left: its invite is marked sent, with an audit event, once the batch commits. */
interface Sent {
  organizationId: string;
  inviteId: string;
  deliveryId: string;
}

@Injectable()
export class InviteDeliveryService {
  private readonly logger = new Logger('InviteDelivery');
  /**
   * Sends that finish while a batch commits go into the next one: one
   * transaction, and one take of each organization's audit chain lock, for
   * all of them. Under a burst (1,000 invites) every send's own transaction
   * queued for that lock behind the invites being created.
   */
  private readonly sent = new CommitBatcher<Sent>((batch) => this.markSent(batch));

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
    await this.sent.record({ organizationId, inviteId, deliveryId });
    this.logger.log({ msg: 'Invite mail sent', inviteId, attempt: prepared.delivery_attempts });
    return 'sent';
  }

  /** Marks each invite sent (unless a newer send replaced it) and records `invite.sent`, in one transaction. */
  private async markSent(batch: readonly Sent[]): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const now = this.clock.now();
      // One conditional update for the batch: a newer send (another delivery id) is left alone.
      const updated = await em
        .getConnection()
        .execute<Array<{ id: string; organization_id: string; delivery_attempts: number }>>(
          `update invites set delivery_state = 'sent', sent_at = ?, last_error = null, updated_at = ?
          where (organization_id, id, delivery_id) in (${batch.map(() => '(?::uuid, ?::uuid, ?)').join(', ')})
          returning id, organization_id, delivery_attempts`,
          [now, now, ...batch.flatMap((one) => [one.organizationId, one.inviteId, one.deliveryId])],
          'all',
          em.getTransactionContext(),
        );
      const attempts = new Map(updated.map((row) => [row.id, row]));
      await this.audit.recordAll(
        em,
        batch.flatMap(({ inviteId }) => {
          const row = attempts.get(inviteId);
          if (row === undefined) return [];
          return [
            {
              organizationId: row.organization_id,
              actor: SYSTEM,
              action: 'invite.sent',
              target: { type: 'Invite', id: inviteId },
              changes: { attempt: row.delivery_attempts },
            },
          ];
        }),
      );
    });
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
