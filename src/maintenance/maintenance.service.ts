import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';

const SYSTEM = { type: 'system' as const, id: null, username: 'maintenance' };
const DAY_MS = 86_400_000;
/** Outbox rows are kept this long after they reached the queue (the queue dedupes job ids for a week). */
const OUTBOX_KEEP_MS = 7 * DAY_MS;

export interface PurgeResult {
  /** Rows removed (or changed) per organization id. */
  byOrganization: Record<string, number>;
  total: number;
}

function tally(rows: Array<{ organization_id: string }>): PurgeResult {
  const byOrganization: Record<string, number> = {};
  for (const row of rows) {
    byOrganization[row.organization_id] = (byOrganization[row.organization_id] ?? 0) + 1;
  }
  return { byOrganization, total: rows.length };
}

/**
 * The maintenance jobs' work. Each method is idempotent: it acts on what is
 * past a cut-off computed from the clock, so a second run finds nothing more.
 * Each organization whose data changed gets one audit event saying so.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('Maintenance');

  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Deletes sessions that ended (revoked, idle or absolute expiry) more than the grace period ago. */
  async purgeSessions(): Promise<PurgeResult> {
    const cutoff = new Date(
      this.clock.now().getTime() - this.config.maintenance.sessionGraceDays * DAY_MS,
    );
    const result = await this.em.fork().transactional(async (em) => {
      const rows = await em.getConnection().execute<Array<{ organization_id: string }>>(
        `delete from sessions
          where revoked_at < ? or expires_at < ? or idle_expires_at < ?
          returning organization_id`,
        [cutoff, cutoff, cutoff],
        'all',
        em.getTransactionContext(),
      );
      const purged = tally(rows);
      for (const [organizationId, count] of Object.entries(purged.byOrganization)) {
        await this.audit.record(em, {
          organizationId,
          actor: SYSTEM,
          action: 'maintenance.sessionsPurged',
          target: { type: 'Session', id: null },
          changes: { deleted: count, endedBefore: cutoff.toISOString() },
        });
      }
      return purged;
    });
    this.logger.log({ msg: 'Purged ended sessions', deleted: result.total, endedBefore: cutoff });
    return result;
  }

  /**
   * Marks pending invites past their expiry as expired, and deletes expired or
   * revoked invites older than the grace period, with delivered outbox rows.
   */
  async expireInvites(): Promise<{ expired: PurgeResult; deleted: PurgeResult }> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.maintenance.inviteGraceDays * DAY_MS);
    const result = await this.em.fork().transactional(async (em) => {
      const connection = em.getConnection();
      const context: unknown = em.getTransactionContext();
      const expired = tally(
        await connection.execute<Array<{ organization_id: string }>>(
          `update invites set status = 'expired', updated_at = ?
            where status = 'pending' and expires_at <= ? returning organization_id`,
          [now, now],
          'all',
          context,
        ),
      );
      const deleted = tally(
        await connection.execute<Array<{ organization_id: string }>>(
          `delete from invites
            where (status = 'expired' and expires_at < ?) or (status = 'revoked' and revoked_at < ?)
            returning organization_id`,
          [cutoff, cutoff],
          'all',
          context,
        ),
      );
      await connection.execute(
        'delete from outbox where dispatched_at < ?',
        [new Date(now.getTime() - OUTBOX_KEEP_MS)],
        'run',
        context,
      );
      const organizations = new Set([
        ...Object.keys(expired.byOrganization),
        ...Object.keys(deleted.byOrganization),
      ]);
      for (const organizationId of organizations) {
        await this.audit.record(em, {
          organizationId,
          actor: SYSTEM,
          action: 'maintenance.invitesExpired',
          target: { type: 'Invite', id: null },
          changes: {
            expired: expired.byOrganization[organizationId] ?? 0,
            deleted: deleted.byOrganization[organizationId] ?? 0,
          },
        });
      }
      return { expired, deleted };
    });
    this.logger.log({
      msg: 'Expired invites',
      expired: result.expired.total,
      deleted: result.deleted.total,
    });
    return result;
  }
}
