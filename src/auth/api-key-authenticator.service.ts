import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
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

/**
 * Turns an API key into a Principal: SHA-256 of the presented key, one
 * indexed lookup joined with the owner, no KDF. Revocation, expiry and the
 * owner's deactivation or deletion apply on the next request on every
 * instance, because nothing about the key is cached. A personal key acts as
 * its owner, narrowed to its roles: the intersection of both.
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly em: EntityManager,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly roles: RoleCatalogService,
    private readonly groups: MembershipsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async authenticate(presented: string): Promise<Principal> {
    const [row] = await this.em.getConnection().execute<KeyRow[]>(
      `select k.id, k.organization_id, k.user_id, k.name, k.scim, k.roles as key_roles, k.expires_at, k.revoked_at,
              u.username, u.email, u.status, u.roles as user_roles
         from api_keys k left join users u on u.id = k.user_id
        where k.secret_hash = ?`,
      [sha256Hex(presented)],
    );
    if (row === undefined) throw unauthenticated('The API key is not valid.');
    const refusal =
      row.revoked_at !== null
        ? 'revoked'
        : row.expires_at !== null && new Date(row.expires_at) <= this.clock.now()
          ? 'expired'
          : row.user_id !== null && row.status !== 'active'
            ? 'owner inactive'
            : null;
    if (refusal !== null) {
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
    return this.principalOf(row);
  }

  private async principalOf(row: KeyRow): Promise<Principal> {
    const catalog = await this.roles.catalog(row.organization_id);
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

  /** Records last use at most once a minute per key, so busy keys cost no write per request. */
  private async markUsed(keyId: string): Promise<void> {
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
