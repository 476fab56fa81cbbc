import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { actorOf, type AuditActor, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService, selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { ProblemException } from '../common/problem/problem';
import { scoped } from '../infra/database/organization-owned.entity';
import { Invalidations } from '../infra/redis/invalidations';
import { versionKey } from '../infra/redis/versions';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import type { CreateApiKeyDto, ListApiKeysQueryDto } from './dto/api-key.dto';
import { ApiKey } from './entities/api-key.entity';

/** Every key starts with this, so leaked keys are recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'wdn_';

/**
 * Personal API keys: `wdn_<public id>_<256 random bits>`, returned once,
 * stored only as SHA-256 so a request finds its key with one indexed lookup
 * (no KDF on the request path: the secret has full entropy).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly clock: Clock,
    private readonly invalidations: Invalidations,
  ) {}

  async create(
    principal: Principal,
    input: CreateApiKeyDto,
  ): Promise<{ key: ApiKey; secret: string }> {
    const type = input.type ?? 'personal';
    if (input.scim && type !== 'system') {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'Only organization (system) keys can hold SCIM provisioning.',
        {
          type: 'validation-failed',
          errors: [{ field: 'scim', message: 'requires type "system"' }],
        },
      );
    }
    if (type === 'system' && (input.roles ?? []).length === 0 && !input.scim) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'An organization key needs roles or SCIM provisioning.',
        {
          type: 'validation-failed',
          errors: [{ field: 'roles', message: 'required for a system key without scim' }],
        },
      );
    }
    const ownerId = type === 'system' ? null : selfOf(principal);
    await this.authz.assert(
      principal,
      'create',
      asSubject('ApiKey', { organizationId: principal.organizationId, userId: ownerId, type }),
    );
    const roles = input.roles ? [...new Set(input.roles)] : null;
    if (roles) {
      const catalog = await this.roles.catalog(principal.organizationId);
      catalog.assertKnown(roles);
      // A key never holds more than its owner: each role must be one the owner could grant.
      await this.authz.assertCanGrant(principal, roles, (key) => catalog.permissionsOf([key]));
    }
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= this.clock.now()) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'expiresAt must be in the future.',
        {
          errors: [{ field: 'expiresAt', message: 'must be in the future' }],
        },
      );
    }
    const publicId = randomBytes(6).toString('hex');
    const secret = `${API_KEY_PREFIX}${publicId}_${randomSecret()}`;
    const key = await this.em.transactional(async (em) => {
      const created = em.create(ApiKey, {
        organizationId: principal.organizationId,
        userId: ownerId,
        type,
        scim: input.scim ?? false,
        name: input.name,
        prefix: `${API_KEY_PREFIX}${publicId}`,
        secretHash: sha256Hex(secret),
        roles,
        expiresAt,
      });
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'apiKey.created',
        target: { type: 'ApiKey', id: created.id },
        changes: {
          name: { to: created.name },
          type: { to: created.type },
          scim: { to: created.scim },
          prefix: { to: created.prefix },
          roles: { to: roles },
          expiresAt: { to: expiresAt },
        },
      });
      return created;
    });
    return { key, secret };
  }

  /** Keys the caller may see: their own, or all of the organization's for roles that may. */
  async list(principal: Principal, query: ListApiKeysQueryDto): Promise<ApiKey[]> {
    const visible = this.authz.where(principal, 'read', 'ApiKey');
    if (visible === null) return [];
    const filters = [
      visible,
      ...(query.userId ? [{ userId: query.userId }] : []),
      ...(query.type ? [{ type: query.type }] : []),
    ];
    return this.em.find(
      ApiKey,
      { $and: filters },
      { ...scoped(principal.organizationId), orderBy: { createdAt: 'desc' }, limit: 200 },
    );
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const key = await em.findOne(ApiKey, { id }, scoped(principal.organizationId));
      if (key === null || !this.authz.can(principal, 'read', key)) {
        throw new ProblemException(HttpStatus.NOT_FOUND, 'No such API key in this organization.');
      }
      await this.authz.assert(principal, 'revoke', key);
      await this.revokeInTransaction(em, key, actorOf(principal));
    });
    await this.announceRevoked(id);
  }

  /** Revokes a key inside the caller's transaction, audited; false when it was revoked already. */
  async revokeInTransaction(
    em: EntityManager,
    key: ApiKey,
    actor: AuditActor,
    reason?: string,
  ): Promise<boolean> {
    if (key.revokedAt !== null) return false;
    key.revokedAt = this.clock.now();
    await em.flush();
    await this.audit.record(em, {
      organizationId: key.organizationId,
      actor,
      action: 'apiKey.revoked',
      target: { type: 'ApiKey', id: key.id },
      ...(reason ? { reason } : {}),
      changes: { prefix: key.prefix, userId: key.userId },
    });
    return true;
  }

  /** After the commit: every instance resolves the key from the database on its next use. */
  async announceRevoked(id: string): Promise<void> {
    await this.invalidations.apply({ kind: 'increment', keys: [versionKey.apiKey(id)] });
  }
}
