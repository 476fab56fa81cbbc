import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { AuditService } from '../audit/audit.service';
import { buildAbility } from '../authz/ability';
import { coversAll } from '../authz/escalation';
import type { Principal } from '../authz/principal';
import { SCIM_PROVISIONING } from '../authz/vocabulary';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/tokens';
import { requestMeta } from '../common/request-context';
import { MembershipsService } from '../directory/groups/memberships.service';
import { REDIS } from '../infra/redis/redis.module';
import { RedisMirror } from '../infra/redis/redis-mirror';
import { versionKey } from '../infra/redis/versions';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { unauthenticated } from './principal.service';

interface KeyRow {
  id: string;
  organization_id: string;
  user_id: string | null;
  name: string;
  scim: boolean;
  key_roles: string[] | null;
  /** Raw timestamps: MikroORM's driver hands them over as strings. */
  expires_at: string | null;
  revoked_at: string | null;
  username: string | null;
  email: string | null;
  status: string | null;
  user_roles: string[] | null;
}

const LAST_USED_EVERY_SECONDS = 60;
const KNOWN_KEY_TTL_MS = 5 * 60_000;

const sameVersions = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, index) => value === b[index]);

/** A key this process has resolved, with the versions and the mirror's epoch it was resolved under. */
interface KnownKey {
  row: KeyRow;
  principal: Principal;
  versions: readonly string[];
  epoch: number;
}

/**
 * Turns an API key into a Principal: SHA-256 of the presented key, one
 * indexed lookup joined with the owner, no KDF. A personal key acts as its
 * owner, narrowed to its roles: the intersection of both.
 *
 * Resolved keys are kept in memory for a few minutes, each with the version
 * counters it was resolved under (the key's, its owner's and the
 * organization's roles). Every request reads those counters through the
 * RedisMirror (this process's copy under its lease, else one Redis round
 * trip): revoking the key, deactivating, deleting or re-roling its owner, or
 * changing custom roles bumps one, and the next request on every instance
 * resolves the key from the database again. Expiry is checked on every
 * request. A resolved key is kept and used only while the mirror holds its
 * lease, in the epoch it was resolved in (RedisMirror.leasedEpoch): a
 * revocation whose bump failed while Redis was away leaves the counters as
 * they were. Without Redis nothing is kept.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly known = new LRUCache<string, KnownKey>({
    max: 10_000,
    ttl: KNOWN_KEY_TTL_MS,
  });
  /** When this process last recorded each key's use (ms). */
  private readonly lastMarked = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly em: EntityManager,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly mirror: RedisMirror,
    private readonly roles: RoleCatalogService,
    private readonly groups: MembershipsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async authenticate(presented: string): Promise<Principal> {
    const hash = sha256Hex(presented);
    const epoch = this.mirror.leasedEpoch;
    const cached = this.known.get(hash);
    const versions = await this.versionsOf(cached?.row);
    if (
      cached !== undefined &&
      cached.epoch === epoch &&
      this.mirror.leasedEpoch === epoch &&
      versions !== null &&
      sameVersions(versions, cached.versions) &&
      !this.expired(cached.row)
    ) {
      await this.markUsed(cached.row.id);
      return cached.principal;
    }
    let row = await this.lookup(hash);
    // A key seen for the first time: its counters are read now, and the row again after
    // them, so that a change racing this first read bumps a counter this entry holds.
    let current = versions;
    if (cached === undefined && row !== undefined) {
      current = await this.versionsOf(row);
      if (current !== null) row = await this.lookup(hash);
    }
    if (row === undefined) throw unauthenticated('The API key is not valid.');
    const refusal =
      row.revoked_at !== null
        ? 'revoked'
        : this.expired(row)
          ? 'expired'
          : row.user_id !== null && row.status !== 'active'
            ? 'owner inactive'
            : null;
    if (refusal !== null) {
      this.known.delete(hash);
      await this.audit.record(this.em.fork(), {
        organizationId: row.organization_id,
        actor: { type: 'apiKey', id: row.id, username: row.username ?? row.name, email: row.email },
        action: 'apiKey.refused',
        target: { type: 'ApiKey', id: row.id },
        outcome: 'failure',
        reason: refusal,
      });
      throw unauthenticated('The API key is revoked, expired or its owner is inactive.');
    }
    await this.markUsed(row.id);
    const principal = await this.principalOf(row, current?.[2] ?? undefined);
    if (current !== null && epoch !== null && this.mirror.leasedEpoch === epoch)
      this.known.set(hash, { row, principal, versions: current, epoch });
    return principal;
  }

  private async lookup(hash: string): Promise<KeyRow | undefined> {
    const [row] = await this.em.getConnection().execute<KeyRow[]>(
      `select k.id, k.organization_id, k.user_id, k.name, k.scim, k.roles as key_roles, k.expires_at, k.revoked_at,
              u.username, u.email, u.status, u.roles as user_roles
         from api_keys k left join users u on u.id = k.user_id
        where k.secret_hash = ?`,
      [hash],
    );
    return row;
  }

  /**
   * The key's, its owner's and its organization's roles version counters,
   * through the mirror; null without Redis. A key not seen yet has none to compare.
   */
  private async versionsOf(row: KeyRow | undefined): Promise<string[] | null> {
    if (row === undefined) return [];
    try {
      const values = await this.mirror.read([
        versionKey.apiKey(row.id),
        versionKey.user(row.user_id ?? 'none'),
        versionKey.organizationRoles(row.organization_id),
      ]);
      return values.map((value) => value ?? '0');
    } catch {
      return null;
    }
  }

  private expired(row: KeyRow): boolean {
    return row.expires_at !== null && new Date(row.expires_at) <= this.clock.now();
  }

  private async principalOf(row: KeyRow, rolesVersion?: string): Promise<Principal> {
    const catalog = await this.roles.catalog(row.organization_id, rolesVersion);
    const base = {
      kind: 'apiKey' as const,
      apiKeyId: row.id,
      organizationId: row.organization_id,
      sessionId: null,
    };
    if (row.user_id === null) {
      // An organization key: its own roles, plus SCIM provisioning when issued with it.
      const roles = row.key_roles ?? [];
      const permissions = [
        ...catalog.permissionsOf(roles),
        ...(row.scim ? [SCIM_PROVISIONING] : []),
      ];
      return {
        ...base,
        userId: null,
        username: row.name,
        email: null,
        roles,
        effectiveRoles: roles,
        groupIds: [],
        permissions,
        ability: buildAbility(permissions, {
          organizationId: row.organization_id,
          userId: null,
          roleKeys: roles,
          groupIds: [],
        }),
      };
    }
    const memberships = await this.groups.membershipsOf(row.organization_id, row.user_id);
    const userRoles = row.user_roles ?? [];
    const ownerRoles = [...new Set([...userRoles, ...memberships.groupRoles])];
    const ownerPermissions = catalog.permissionsOf(ownerRoles);
    // A personal key is the intersection of its roles and what its owner holds now.
    const permissions = row.key_roles
      ? catalog
          .permissionsOf(row.key_roles)
          .filter((permission) => coversAll(ownerPermissions, [permission]))
      : ownerPermissions;
    const effectiveRoles = row.key_roles ?? ownerRoles;
    return {
      ...base,
      userId: row.user_id,
      username: row.username ?? row.name,
      email: row.email,
      roles: userRoles,
      effectiveRoles,
      groupIds: memberships.groupIds,
      permissions,
      ability: buildAbility(permissions, {
        organizationId: row.organization_id,
        userId: row.user_id,
        roleKeys: effectiveRoles,
        groupIds: memberships.groupIds,
      }),
    };
  }

  /**
   * Records last use at most once a minute per key: this process asks Redis
   * at most once a minute per key, and Redis lets one instance write.
   */
  private async markUsed(keyId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastMarked.get(keyId) ?? 0) < LAST_USED_EVERY_SECONDS * 1000) return;
    this.lastMarked.set(keyId, now);
    const first = await this.redis
      .set(`apikey:used:${keyId}`, '1', 'EX', LAST_USED_EVERY_SECONDS, 'NX')
      .catch(() => 'OK');
    if (first !== 'OK') return;
    const meta = requestMeta();
    await this.em
      .getConnection()
      .execute('update api_keys set last_used_at = ?, last_used_ip = ? where id = ?', [
        this.clock.now(),
        meta.ip,
        keyId,
      ]);
  }
}
