import { scoped } from '../infra/database/organization-owned.entity';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import type { MfaChallengeResponseDto, TokenResponseDto } from '../auth/dto/auth.dto';
import { effectiveSettings } from '../tenancy/organization-settings';
import { AuthService } from '../auth/auth.service';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import type { RequestMeta } from '../common/request-context';
import { sameIgnoringCase } from '../infra/database/case-insensitive';
import { MembershipsService } from '../directory/groups/memberships.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import type { SsoConnection } from './entities/sso-connection.entity';
import { SsoIdentity } from './entities/sso-identity.entity';

/** What an IdP asserted about the person, after its signature and conditions were checked. */
export interface AssertedIdentity {
  subject: string;
  email: string | null;
  displayName: string | null;
  /** Every claim or attribute, for the mapping rules. */
  claims: Record<string, unknown>;
}

/** A refused SSO sign-in: the reason goes to the audit trail, the caller gets `detail`. */
export class SsoRefused extends Error {
  constructor(
    readonly reason: string,
    readonly status: HttpStatus = HttpStatus.UNAUTHORIZED,
    readonly detail = 'Single sign-on failed. Start again from your sign-in page.',
  ) {
    super(reason);
  }
}

/**
 * A claim's values: a scalar or a list of scalars (IdPs send groups either way).
 * `flat(2)` bounds the walk: deeper nesting in a claim is ignored, never recursed.
 */
function claimValues(value: unknown): string[] {
  return [value].flat(2).flatMap((item: unknown) => {
    if (typeof item === 'string') return [item];
    if (typeof item === 'number' || typeof item === 'boolean') return [String(item)];
    return [];
  });
}

/** Roles and groups the connection's rules give this person, and those it manages at all. */
export function mappedAccess(connection: SsoConnection, claims: Record<string, unknown>) {
  const matching = connection.mappings.filter((mapping) =>
    claimValues(claims[mapping.claim]).includes(mapping.value),
  );
  return {
    roles: [...new Set([...connection.defaultRoles, ...matching.flatMap((m) => m.roles)])],
    groupIds: [...new Set(matching.flatMap((m) => m.groupIds))],
    managedRoles: new Set([
      ...connection.defaultRoles,
      ...connection.mappings.flatMap((m) => m.roles),
    ]),
    managedGroupIds: new Set(connection.mappings.flatMap((m) => m.groupIds)),
  };
}

/** A username from what the IdP said: letters, digits and `._-`, 3 to 50 characters. */
function usernameBase(identity: AssertedIdentity): string {
  const preferred =
    (typeof identity.claims.preferred_username === 'string'
      ? identity.claims.preferred_username
      : null) ??
    identity.email?.split('@')[0] ??
    identity.displayName ??
    'sso-user';
  const cleaned = preferred
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 40);
  return cleaned.length >= 3 ? cleaned : `sso-${cleaned}`.slice(0, 40);
}

/**
 * Turns a verified IdP identity into a Warden sign-in. The identity is looked
 * up by (connection, subject), never by email; the first sign-in provisions the
 * user with the roles and groups the connection's rules give, later ones bring
 * those roles and groups up to date (roles and groups the connection does not
 * manage are left alone). Changes are audited in their transaction, and the
 * session is opened with method `sso`.
 */
@Injectable()
export class SsoSignInService {
  constructor(
    private readonly em: EntityManager,
    private readonly auth: AuthService,
    private readonly users: UserDirectoryService,
    private readonly roles: RoleCatalogService,
    private readonly revocation: SessionRevocationService,
    private readonly memberships: MembershipsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async complete(
    connection: SsoConnection,
    identity: AssertedIdentity,
    meta: RequestMeta,
  ): Promise<TokenResponseDto | MfaChallengeResponseDto> {
    const organization = await this.users.organization(connection.organizationId);
    const catalog = await this.roles.catalog(organization.id);
    const access = mappedAccess(connection, identity.claims);
    // A custom role deleted since the rule was written grants nothing.
    access.roles = access.roles.filter((key) => catalog.find(key) !== undefined);

    const user = await this.upsert(organization.id, connection, identity, access);
    await this.revocation.invalidateUser(user.id);
    const details = { connectionId: connection.id };
    // By default the IdP owns MFA; with mfaForSso, Warden's second factor applies as well.
    return effectiveSettings(organization.settings).mfaForSso
      ? this.auth.completeSignIn(organization, user, 'sso', meta, null, details)
      : this.auth.signIn(organization, user, 'sso', meta, null, details);
  }

  /**
   * Finds or provisions the person, in one transaction. Different people whose
   * derived usernames collide at the same moment: the loser hits the unique
   * index and its retry picks another name.
   */
  private async upsert(
    organizationId: string,
    connection: SsoConnection,
    identity: AssertedIdentity,
    access: ReturnType<typeof mappedAccess>,
  ): Promise<User> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.link(organizationId, connection, identity, access);
      } catch (error) {
        if (attempt >= 3 || !(error instanceof UniqueConstraintViolationException)) throw error;
      }
    }
  }

  private link(
    organizationId: string,
    connection: SsoConnection,
    identity: AssertedIdentity,
    access: ReturnType<typeof mappedAccess>,
  ): Promise<User> {
    return this.em.fork().transactional(async (em) => {
      // One sign-in per (connection, subject) at a time: a racing first sign-in waits here,
      // then finds the identity the other one created instead of tripping over its email.
      await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
        `sso:${connection.id}:${identity.subject}`,
      ]);
      const known = await em.findOne(
        SsoIdentity,
        { connectionId: connection.id, subject: identity.subject },
        scoped(organizationId),
      );
      const existing = known
        ? await em.findOne(User, { id: known.userId }, scoped(organizationId))
        : null;
      const signedIn = existing ?? (await this.provision(em, connection, identity, access));
      if (signedIn.status !== 'active') throw new SsoRefused('user inactive');
      if (existing) await this.refresh(em, connection, existing, identity, access);
      const link =
        known ??
        em.create(SsoIdentity, {
          organizationId: organizationId,
          connectionId: connection.id,
          subject: identity.subject,
          userId: signedIn.id,
        });
      link.email = identity.email;
      link.lastLoginAt = this.clock.now();
      await em.flush();
      return signedIn;
    });
  }

  private async provision(
    em: EntityManager,
    connection: SsoConnection,
    identity: AssertedIdentity,
    access: ReturnType<typeof mappedAccess>,
  ): Promise<User> {
    const organizationId = connection.organizationId;
    if (identity.email !== null) {
      const taken = await em.count(
        User,
        sameIgnoringCase('email', identity.email),
        scoped(organizationId),
      );
      // Never link by email: the address may belong to someone else in Warden.
      if (taken > 0)
        throw new SsoRefused(
          'email already belongs to another user',
          HttpStatus.CONFLICT,
          'An account with this email address already exists. An administrator must remove or change it before you can sign in with single sign-on.',
        );
    }
    try {
      this.users.assertEmailRule(access.roles, identity.email);
    } catch {
      throw new SsoRefused(
        'no email asserted for a role that needs one',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Your identity provider did not send an email address, which your roles require.',
      );
    }
    const user = em.create(User, {
      organizationId,
      username: await this.freeUsername(em, organizationId, usernameBase(identity)),
      email: identity.email,
      displayName: identity.displayName?.slice(0, 200) ?? null,
      roles: access.roles,
      passwordHash: null,
      status: 'active',
    });
    await em.flush();
    const groupIds = await this.memberships.joinInTransaction(
      em,
      organizationId,
      user.id,
      access.groupIds,
    );
    await this.audit.record(em, {
      organizationId,
      actor: { type: 'user', id: user.id, username: user.username, email: user.email },
      action: 'user.provisioned',
      target: { type: 'User', id: user.id },
      reason: `sso connection ${connection.id}`,
      changes: {
        username: { to: user.username },
        email: { to: user.email },
        roles: { to: user.roles },
        groups: { added: groupIds },
      },
    });
    return user;
  }

  private async refresh(
    em: EntityManager,
    connection: SsoConnection,
    user: User,
    identity: AssertedIdentity,
    access: ReturnType<typeof mappedAccess>,
  ): Promise<void> {
    const nextRoles = [
      ...new Set([...user.roles.filter((key) => !access.managedRoles.has(key)), ...access.roles]),
    ];
    const current = await this.memberships.memberOf(em, user.id, [...access.managedGroupIds]);
    const leave = [...current].filter((id) => !access.groupIds.includes(id));
    const join = access.groupIds.filter((id) => !current.has(id));
    const changes: Record<string, unknown> = {};
    if ([...nextRoles].sort().join() !== [...user.roles].sort().join()) {
      changes.roles = { from: user.roles, to: nextRoles };
      user.roles = nextRoles;
    }
    const displayName = identity.displayName?.slice(0, 200) ?? null;
    if (displayName !== null && displayName !== user.displayName) {
      changes.displayName = { from: user.displayName, to: displayName };
      user.displayName = displayName;
    }
    await this.memberships.leaveInTransaction(em, user.id, leave);
    const joined = await this.memberships.joinInTransaction(em, user.organizationId, user.id, join);
    if (leave.length > 0 || joined.length > 0) changes.groups = { added: joined, removed: leave };
    await em.flush();
    if (Object.keys(changes).length === 0) return;
    await this.audit.record(em, {
      organizationId: user.organizationId,
      actor: { type: 'user', id: user.id, username: user.username, email: user.email },
      action: 'user.ssoSynced',
      target: { type: 'User', id: user.id },
      reason: `sso connection ${connection.id}`,
      changes,
    });
  }

  private async freeUsername(em: EntityManager, organizationId: string, base: string) {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const candidate = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
      const taken = await em.count(
        User,
        sameIgnoringCase('username', candidate),
        scoped(organizationId),
      );
      if (taken === 0) return candidate;
    }
    throw new ProblemException(HttpStatus.CONFLICT, 'No free username could be derived.', {
      type: 'conflict',
    });
  }
}
