import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { buildAbility } from '../authz/ability';
import { BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import { MembershipsService } from '../directory/groups/memberships.service';
import { RedisMirror } from '../infra/redis/redis-mirror';
import {
  REVOKED_SESSION,
  SESSION_SNAPSHOT_TTL_SECONDS,
  SET_SNAPSHOT_UNLESS_REVOKED,
  sessionCacheKey,
  versionKey,
} from '../infra/redis/versions';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { Session } from '../directory/sessions/session.entity';
import { User } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { LRUCache } from 'lru-cache';

/** What one request needs to know about its session and user; cached in Redis for a minute. */
interface SessionSnapshot {
  sessionId: string;
  organizationId: string;
  userId: string;
  username: string;
  email: string | null;
  active: boolean;
  roles: string[];
  groupIds: string[];
  groupRoles: string[];
  revoked: boolean;
  idleExpiresAt: number;
  expiresAt: number;
  userVersion: string;
  /** The session may only enrol a second factor (absent in snapshots cached before it existed). */
  enrolmentOnly?: boolean;
}

export const unauthenticated = (detail = 'The access token is invalid, expired or revoked.') =>
  new ProblemException(HttpStatus.UNAUTHORIZED, detail, {
    headers: { 'www-authenticate': 'Bearer' },
  });

/**
 * Turns a verified access token into a Principal. Every request checks that
 * its session is live and its user active against the session snapshot and
 * the version counters of the user and of the organization's roles, read
 * through the RedisMirror: from this process's copy while it holds a lease,
 * otherwise in one Redis round trip. A revoked session (snapshot deleted), a
 * changed user (version bumped) or changed custom roles are seen on the very
 * next request, on every instance, because those changes return only once
 * every copy has dropped them. A snapshot found in Redis is trusted, and a
 * built principal kept, only under the mirror's lease and in the epoch this
 * process loaded it in (RedisMirror.leasedEpoch): after a gap the snapshot
 * is loaded from PostgreSQL once more, since a revocation made meanwhile
 * may not have reached Redis. Without Redis it reads PostgreSQL on every request.
 */
@Injectable()
export class PrincipalService {
  /** Built principals by session, user version and roles version: a changed version is a new key. */
  private readonly principals = new LRUCache<string, Principal>({ max: 10_000 });
  /** Parsed snapshots by session, with the text they were parsed from. */
  private readonly parsed = new LRUCache<string, { text: string; snapshot: SessionSnapshot }>({
    max: 10_000,
  });
  /** The mirror's epoch in which this process last loaded each session's snapshot from the database. */
  private readonly loadedIn = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly em: EntityManager,
    private readonly mirror: RedisMirror,
    private readonly roles: RoleCatalogService,
    private readonly clock: Clock,
    private readonly groups: MembershipsService,
  ) {}

  async fromAccessToken(claims: { sub: string; sid: string; org: string }): Promise<Principal> {
    const epoch = this.mirror.leasedEpoch;
    const cached = await this.readCache(claims);
    const userVersion = cached.userVersion;
    if (cached.snapshot === REVOKED_SESSION) throw unauthenticated();
    let snapshot: SessionSnapshot | null = cached.snapshot;
    // A snapshot in Redis is trusted only in the epoch this process loaded it in:
    // a revocation or a bump that failed while Redis was away left it as it was.
    if (
      snapshot === null ||
      epoch === null ||
      this.mirror.leasedEpoch !== epoch ||
      this.loadedIn.get(claims.sid) !== epoch ||
      snapshot.userVersion !== userVersion ||
      snapshot.userId !== claims.sub
    ) {
      snapshot = await this.loadSnapshot(claims, userVersion);
      if (cached.available && (await this.store(claims.sid, snapshot)) === REVOKED_SESSION)
        throw unauthenticated(); // revoked while it was being loaded
      if (cached.available && epoch !== null) this.loadedIn.set(claims.sid, epoch);
    }
    const now = this.clock.now().getTime();
    if (
      snapshot.revoked ||
      !snapshot.active ||
      now >= snapshot.expiresAt ||
      now >= snapshot.idleExpiresAt
    ) {
      throw unauthenticated();
    }
    const cacheKey = `${epoch}:${snapshot.sessionId}:${userVersion}:${cached.rolesVersion}`;
    const kept = cached.available && epoch !== null;
    const known = kept ? this.principals.get(cacheKey) : undefined;
    if (known) return known;
    const principal = await this.build(snapshot, cached.rolesVersion);
    if (kept && this.mirror.leasedEpoch === epoch) this.principals.set(cacheKey, principal);
    return principal;
  }

  private async readCache(claims: { sid: string; sub: string; org: string }): Promise<{
    available: boolean;
    snapshot: SessionSnapshot | typeof REVOKED_SESSION | null;
    userVersion: string;
    rolesVersion: string;
  }> {
    try {
      const [snapshot, userVersion, rolesVersion] = await this.mirror.read([
        sessionCacheKey(claims.sid),
        versionKey.user(claims.sub),
        versionKey.organizationRoles(claims.org),
      ]);
      return {
        available: true,
        snapshot:
          snapshot === null || snapshot === REVOKED_SESSION
            ? snapshot
            : this.parse(claims.sid, snapshot),
        userVersion: userVersion ?? '0',
        rolesVersion: rolesVersion ?? '0',
      };
    } catch {
      return { available: false, snapshot: null, userVersion: '', rolesVersion: '' };
    }
  }

  /** Caches a loaded snapshot; returns what Redis holds after (the revoked mark wins), or null. */
  private async store(sessionId: string, snapshot: SessionSnapshot): Promise<string | null> {
    const key = sessionCacheKey(sessionId);
    return this.mirror
      .fill(
        key,
        (redis) =>
          redis.eval(
            SET_SNAPSHOT_UNLESS_REVOKED,
            1,
            key,
            JSON.stringify(snapshot),
            SESSION_SNAPSHOT_TTL_SECONDS,
            REVOKED_SESSION,
          ) as Promise<string | null>,
      )
      .catch(() => null);
  }

  /** The mirror hands out the same text until it changes: parse it once. */
  private parse(sessionId: string, text: string): SessionSnapshot {
    const known = this.parsed.get(sessionId);
    if (known !== undefined && known.text === text) return known.snapshot;
    const snapshot = JSON.parse(text) as SessionSnapshot;
    this.parsed.set(sessionId, { text, snapshot });
    return snapshot;
  }

  private async loadSnapshot(
    claims: { sub: string; sid: string; org: string },
    userVersion: string,
  ): Promise<SessionSnapshot> {
    const em = this.em.fork();
    const filters = scoped(claims.org);
    const session = await em.findOne(Session, { id: claims.sid, userId: claims.sub }, filters);
    const user = session ? await em.findOne(User, { id: claims.sub }, filters) : null;
    if (session === null || user === null) throw unauthenticated();
    const memberships = await this.groups.membershipsOf(claims.org, user.id);
    return {
      sessionId: session.id,
      organizationId: session.organizationId,
      userId: user.id,
      username: user.username,
      email: user.email,
      active: user.status === 'active',
      roles: user.roles,
      groupIds: memberships.groupIds,
      groupRoles: memberships.groupRoles,
      revoked: session.revokedAt !== null,
      enrolmentOnly: session.purpose === 'mfa_enrolment',
      idleExpiresAt: session.idleExpiresAt.getTime(),
      expiresAt: session.expiresAt.getTime(),
      userVersion,
    };
  }

  private async build(snapshot: SessionSnapshot, rolesVersion: string): Promise<Principal> {
    const catalog = await this.roles.catalog(
      snapshot.organizationId,
      rolesVersion === '' ? undefined : rolesVersion,
    );
    // A session that may only enrol a second factor holds the self-service baseline alone.
    const effectiveRoles = snapshot.enrolmentOnly
      ? [BASELINE_ROLE]
      : [...new Set([...snapshot.roles, ...snapshot.groupRoles])];
    const permissions = catalog.permissionsOf(effectiveRoles);
    return {
      kind: 'user',
      organizationId: snapshot.organizationId,
      userId: snapshot.userId,
      username: snapshot.username,
      email: snapshot.email,
      sessionId: snapshot.sessionId,
      roles: snapshot.roles,
      effectiveRoles,
      groupIds: snapshot.groupIds,
      permissions,
      ...(snapshot.enrolmentOnly ? { mfaEnrolmentOnly: true } : {}),
      ability: buildAbility(permissions, {
        organizationId: snapshot.organizationId,
        userId: snapshot.userId,
        roleKeys: effectiveRoles,
        groupIds: snapshot.groupIds,
      }),
    };
  }
}
