import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type AuditActor, AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock/clock';
import { scoped } from '../../infra/database/organization-owned.entity';
import { Invalidations } from '../../infra/redis/invalidations';
import { sessionCacheKey, versionKey } from '../../infra/redis/versions';
import { Session } from './session.entity';

/**
 * Ending access: revoking sessions inside the caller's transaction (audited),
 * and telling every API instance after commit, by dropping session snapshots
 * and bumping a user's version so their principal is rebuilt on the next request.
 */
@Injectable()
export class SessionRevocationService {
  constructor(
    private readonly em: EntityManager,
    private readonly invalidations: Invalidations,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  /** Revokes one session inside the caller's transaction and records it. */
  async revokeInTransaction(
    em: EntityManager,
    session: Session,
    reason: string,
    actor: AuditActor,
  ): Promise<void> {
    if (session.revokedAt !== null) return;
    session.revokedAt = this.clock.now();
    session.revokedReason = reason.slice(0, 64);
    await em.flush();
    await this.audit.record(em, {
      organizationId: session.organizationId,
      actor,
      action: 'session.revoked',
      target: { type: 'Session', id: session.id },
      reason,
      changes: { userId: session.userId },
    });
  }

  /**
   * Revokes every live session of a user inside the caller's transaction;
   * returns their ids for `forget` once the transaction has committed.
   */
  async revokeAllOf(
    em: EntityManager,
    organizationId: string,
    userId: string,
    reason: string,
    actor: AuditActor,
  ): Promise<string[]> {
    const live = await this.liveSessionsOf(em, organizationId, userId);
    for (const session of live) await this.revokeInTransaction(em, session, reason, actor);
    return live.map((session) => session.id);
  }

  /** Every live session of a user, optionally sparing one (the caller's own). */
  async liveSessionsOf(
    em: EntityManager,
    organizationId: string,
    userId: string,
    except?: string,
  ): Promise<Session[]> {
    const sessions = await em.find(
      Session,
      { userId, revokedAt: null, ...(except ? { id: { $ne: except } } : {}) },
      scoped(organizationId),
    );
    const now = this.clock.now();
    return sessions.filter((session) => session.isLiveAt(now));
  }

  /** Every session of a user, newest first (for the offboarding export). */
  async allOfUser(organizationId: string, userId: string): Promise<Session[]> {
    return this.em
      .fork()
      .find(
        Session,
        { userId },
        scoped(organizationId, { orderBy: { createdAt: 'desc' } } as const),
      );
  }

  /**
   * Marks the sessions' snapshots revoked so every API instance refuses them on
   * the next request, and no snapshot loaded before the revocation replaces the mark.
   */
  async forget(sessionIds: readonly string[]): Promise<void> {
    await this.invalidations.apply({
      kind: 'revoke-session',
      keys: sessionIds.map(sessionCacheKey),
    });
  }

  /**
   * A user's roles, groups or status changed: bump their version so every
   * instance rebuilds their principal on the next request.
   */
  async invalidateUser(userId: string): Promise<void> {
    await this.invalidateUsers([userId]);
  }

  async invalidateUsers(userIds: readonly string[]): Promise<void> {
    await this.invalidations.apply({ kind: 'increment', keys: userIds.map(versionKey.user) });
  }
}
