import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import type { RequestMeta } from '../common/request-context';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { scoped } from '../infra/database/organization-owned.entity';
import { RefreshToken } from '../directory/sessions/refresh-token.entity';
import {
  Session,
  type SessionPurpose,
  type SignInMethod,
} from '../directory/sessions/session.entity';

export interface SessionLifetimes {
  sessionIdleTtlSeconds: number;
  sessionAbsoluteTtlSeconds: number;
}

export interface OpenedSession {
  session: Session;
  refreshToken: string;
}

const invalidRefresh = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'The refresh token is invalid or expired. Sign in again.',
  );

/**
 * Sessions and their refresh tokens. A refresh token is 256 random bits,
 * stored only as SHA-256, and works once: rotation hands out the next one,
 * and presenting a used one revokes the whole session (reuse detection).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly authz: AuthzService,
    private readonly revocation: SessionRevocationService,
    private readonly users: UserDirectoryService,
    private readonly catalogs: RoleCatalogService,
  ) {}

  /** Opens a session inside the caller's transaction. */
  async open(
    em: EntityManager,
    user: { id: string; organizationId: string },
    method: SignInMethod,
    meta: RequestMeta,
    lifetimes: SessionLifetimes,
    purpose: SessionPurpose | null = null,
  ): Promise<OpenedSession> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + lifetimes.sessionAbsoluteTtlSeconds * 1000);
    const session = em.create(Session, {
      organizationId: user.organizationId,
      userId: user.id,
      method,
      purpose,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      createdAt: now,
      updatedAt: now,
      lastSeenAt: now,
      idleExpiresAt: this.idleExpiry(now, expiresAt, lifetimes),
      expiresAt,
    });
    await em.flush(); // the session row first: refresh_tokens references it
    const refreshToken = randomSecret();
    em.create(RefreshToken, {
      tokenHash: sha256Hex(refreshToken),
      sessionId: session.id,
      createdAt: now,
    });
    await em.flush();
    return { session, refreshToken };
  }

  /**
   * Exchanges a refresh token for the next one. A token already used revokes
   * its session (someone else holds a copy) and is recorded as such.
   */
  async rotate(
    refreshToken: string,
    lifetimes: (organizationId: string) => Promise<SessionLifetimes>,
  ): Promise<OpenedSession> {
    const tokenHash = sha256Hex(refreshToken);
    const outcome = await this.em.fork().transactional(async (em) => {
      const stored = await em.findOne(RefreshToken, { tokenHash });
      if (stored === null) return { kind: 'unknown' as const };
      const session = await em.findOne(Session, { id: stored.sessionId }, { filters: false });
      if (session === null) return { kind: 'unknown' as const };
      const now = this.clock.now();
      const claimed = await em.nativeUpdate(
        RefreshToken,
        { tokenHash, usedAt: null },
        { usedAt: now },
      );
      if (claimed === 0) {
        if (session.revokedAt === null) {
          await this.revocation.revokeInTransaction(em, session, 'refresh token reuse', {
            type: 'system',
            id: null,
          });
          await this.audit.record(em, {
            organizationId: session.organizationId,
            actor: { type: 'anonymous', id: null },
            action: 'auth.refreshReused',
            target: { type: 'Session', id: session.id },
            outcome: 'failure',
            reason: 'a used refresh token was presented again; the session is revoked',
          });
        }
        return { kind: 'reused' as const, sessionId: session.id };
      }
      if (!session.isLiveAt(now)) return { kind: 'expired' as const };
      const next = randomSecret();
      em.create(RefreshToken, {
        tokenHash: sha256Hex(next),
        sessionId: session.id,
        createdAt: now,
      });
      session.lastSeenAt = now;
      // Activity is recorded when tokens are refreshed, not on every request.
      await em
        .getConnection()
        .execute(
          'update users set last_activity_at = ? where id = ?',
          [now, session.userId],
          'run',
          em.getTransactionContext(),
        );
      session.idleExpiresAt = this.idleExpiry(
        now,
        session.expiresAt,
        await lifetimes(session.organizationId),
      );
      await em.flush();
      return { kind: 'rotated' as const, session, refreshToken: next };
    });
    if (outcome.kind === 'reused') await this.revocation.forget([outcome.sessionId]);
    if (outcome.kind !== 'rotated') throw invalidRefresh();
    return { session: outcome.session, refreshToken: outcome.refreshToken };
  }

  /** Sessions the caller may read, newest first; `userId` and `status=active` narrow the list. */
  async list(
    principal: Principal,
    query: { userId?: string; status?: 'active' },
  ): Promise<Session[]> {
    const visible = this.authz.where(principal, 'read', 'Session');
    if (visible === null) return [];
    const now = this.clock.now();
    const where: Record<string, unknown> = {
      $and: [visible, ...(query.userId ? [{ userId: query.userId }] : [])],
    };
    if (query.status === 'active') {
      (where.$and as object[]).push({
        revokedAt: null,
        idleExpiresAt: { $gt: now },
        expiresAt: { $gt: now },
      });
    }
    return this.em.find(
      Session,
      where,
      scoped(principal.organizationId, { orderBy: { createdAt: 'desc' }, limit: 200 } as const),
    );
  }

  /** DELETE /sessions/:id: the caller's own, or anyone's for roles that may revoke sessions. */
  async revokeById(principal: Principal, sessionId: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const session = await em.findOne(
        Session,
        { id: sessionId },
        scoped(principal.organizationId),
      );
      if (session === null || !this.authz.can(principal, 'read', session)) {
        throw new ProblemException(HttpStatus.NOT_FOUND, 'No such session in this organization.');
      }
      await this.authz.assert(principal, 'revoke', session);
      await this.revocation.revokeInTransaction(em, session, 'revoked', {
        type: 'user',
        id: principal.userId,
        username: principal.username,
        email: principal.email,
      });
    });
    await this.revocation.forget([sessionId]);
  }

  /** GET /users/:id/sessions: sessions of a user the caller may see. */
  async listOfUser(principal: Principal, userId: string): Promise<Session[]> {
    const target = await this.users.findVisible(principal, userId);
    return this.list(principal, { userId: target.id });
  }

  /** DELETE /users/:id/sessions: every live session of the user ends at once. */
  async revokeAllOfUser(principal: Principal, userId: string): Promise<void> {
    const catalog = await this.catalogs.catalog(principal.organizationId);
    const revoked = await this.em.fork().transactional(async (em) => {
      const target = await this.users.findVisible(principal, userId, em);
      await this.authz.assert(
        principal,
        'revoke',
        asSubject('Session', { organizationId: target.organizationId, userId: target.id }),
      );
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      return this.revocation.revokeAllOf(
        em,
        target.organizationId,
        target.id,
        'revoked by an administrator',
        actorOf(principal),
      );
    });
    await this.revocation.forget(revoked);
  }

  async findById(organizationId: string, sessionId: string): Promise<Session | null> {
    return this.em.fork().findOne(Session, { id: sessionId }, scoped(organizationId));
  }

  private idleExpiry(now: Date, expiresAt: Date, lifetimes: SessionLifetimes): Date {
    return new Date(
      Math.min(now.getTime() + lifetimes.sessionIdleTtlSeconds * 1000, expiresAt.getTime()),
    );
  }
}
