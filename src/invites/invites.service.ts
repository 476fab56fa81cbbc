import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { actorOf, AuditService } from '../audit/audit.service';
import { sameIgnoringCase } from '../infra/database/case-insensitive';
import { AuthService } from '../auth/auth.service';
import type { TokenResponseDto } from '../auth/dto/auth.dto';
import { PasswordHasher } from '../directory/password/password-hasher';
import { asSubject, AuthzService } from '../authz/authz.service';
import { BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/tokens';
import { ProblemException } from '../common/problem/problem';
import { MembershipsService } from '../directory/groups/memberships.service';
import { scoped, ACROSS_ORGANIZATIONS } from '../infra/database/organization-owned.entity';
import { MAIL_QUEUE } from '../infra/queue/queues';
import { OutboxService } from '../outbox/outbox.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import type { AcceptInviteDto, CreateInviteDto, ListInvitesQueryDto } from './dto/invite.dto';
import { Invite } from './entities/invite.entity';
import { INVITE_MAIL_JOB, type InviteMailJob } from './invite-mail-job';
import { cursorTime, decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';

const ANY_ORGANIZATION = ACROSS_ORGANIZATIONS;

/** The job an invite's outbox row becomes on the mail queue. */

const notFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such invite in this organization.');

const gone = (detail: string) => new ProblemException(HttpStatus.GONE, detail);

/** Invites page newest first: the cursor is the last one's creation time and id. */
function afterCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = decodeCursor(cursor);
  return { createdAt: cursorTime(at), id };
}

/**
 * Invitations: created by admins within their own rights (no escalation), mailed
 * through the outbox, accepted once by the invitee, who then signs in.
 */
@Injectable()
export class InvitesService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly groups: MembershipsService,
    private readonly users: UserDirectoryService,
    private readonly auth: AuthService,
    private readonly hasher: PasswordHasher,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, input: CreateInviteDto): Promise<Invite> {
    await this.authz.assert(
      principal,
      'create',
      asSubject('Invite', { organizationId: principal.organizationId }),
    );
    const roles = [...new Set(input.roles ?? [BASELINE_ROLE])];
    const groupIds = [...new Set(input.groupIds ?? [])];
    await this.assertCanGrant(principal, roles);
    await this.groups.assertCanPlaceIn(principal, groupIds);
    const email = input.email.trim();
    const taken = await this.em.count(
      User,
      sameIgnoringCase('email', email),
      scoped(principal.organizationId),
    );
    if (taken > 0) {
      throw new ProblemException(HttpStatus.CONFLICT, 'Email already exists', { type: 'conflict' });
    }
    const now = this.clock.now();
    // A pending invite past its expiry no longer blocks a new one for the same
    // address. It is marked expired only once the unique index says it is in
    // the way, rather than asked for on every create.
    const expireStale = () =>
      this.em.nativeUpdate(
        Invite,
        { ...sameIgnoringCase('email', email), status: 'pending', expiresAt: { $lte: now } },
        { status: 'expired' },
        scoped(principal.organizationId),
      );
    return this.commitMail(
      'A pending invite for this email already exists; resend it instead.',
      async (em) => {
        const created = em.create(Invite, {
          organizationId: principal.organizationId,
          email,
          displayName: input.displayName ?? null,
          roles,
          groupIds,
          expiresAt: this.expiryFrom(now),
          invitedBy: actorOf(principal),
          createdAt: now,
          updatedAt: now,
        });
        // The mail job is recorded with the invite, in one flush (ids are made here, not by the database).
        this.queueMail(em, created);
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'invite.created',
          target: { type: 'Invite', id: created.id },
          changes: { email: { to: email }, roles: { to: roles }, groups: { to: groupIds } },
        });
        return created;
      },
      expireStale,
    );
  }

  async list(
    principal: Principal,
    query: ListInvitesQueryDto,
  ): Promise<{ items: Invite[]; nextCursor: string | null }> {
    const visible = this.authz.where(principal, 'read', 'Invite');
    if (visible === null) return { items: [], nextCursor: null };
    const now = this.clock.now();
    const where: Record<string, unknown>[] = [visible];
    switch (query.status) {
      case 'pending':
        where.push({ status: 'pending', expiresAt: { $gt: now } });
        break;
      case 'expired':
        where.push({
          $or: [{ status: 'expired' }, { status: 'pending', expiresAt: { $lte: now } }],
        });
        break;
      case 'accepted':
      case 'revoked':
        where.push({ status: query.status });
        break;
      case undefined:
        break;
    }
    if (query.cursor) {
      const after = afterCursor(query.cursor);
      where.push({
        $or: [
          { createdAt: { $lt: after.createdAt } },
          { createdAt: after.createdAt, id: { $lt: after.id } },
        ],
      });
    }
    const limit = query.limit ?? 50;
    const rows = await this.em.find(
      Invite,
      { $and: where },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 },
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor(last.createdAt.toISOString(), last.id) : null,
    };
  }

  async get(principal: Principal, id: string, em: EntityManager = this.em): Promise<Invite> {
    const invite = await em.findOne(Invite, { id }, scoped(principal.organizationId));
    if (invite === null || !this.authz.can(principal, 'read', invite)) throw notFound();
    return invite;
  }

  /**
   * Sends the invite again with a new link (the old one stops working) and a
   * new validity period. An expired invite can be revived this way; an accepted
   * or revoked one cannot.
   */
  async resend(principal: Principal, id: string): Promise<Invite> {
    const now = this.clock.now();
    return this.commitMail(
      'Another pending invite for this email exists; resend that one.',
      async (em) => {
        const found = await this.lockVisible(principal, id, em);
        await this.authz.assert(principal, 'update', found);
        await this.assertCanGrant(principal, found.roles);
        if (found.status === 'accepted' || found.status === 'revoked') {
          throw new ProblemException(
            HttpStatus.CONFLICT,
            `This invite was ${found.status}; it cannot be sent again.`,
            { type: 'conflict' },
          );
        }
        found.status = 'pending';
        found.tokenHash = null;
        found.expiresAt = this.expiryFrom(now);
        found.deliveryState = 'queued';
        found.deliveryAttempts = 0;
        found.lastError = null;
        this.queueMail(em, found);
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'invite.resent',
          target: { type: 'Invite', id: found.id },
          changes: { expiresAt: { to: found.expiresAt.toISOString() } },
        });
        return found;
      },
    );
  }

  /**
   * Runs `work` (which queues a mail in the outbox) in a transaction, then
   * kicks the relay. A second pending invite for one address breaks the
   * unique index: that is a 409 with `conflict`, not a 500, unless
   * `clearWay` moves something out of the way (it answers how many rows it
   * changed), after which `work` runs once more.
   */
  private async commitMail(
    conflict: string,
    work: (em: EntityManager) => Promise<Invite>,
    clearWay?: () => Promise<number>,
  ): Promise<Invite> {
    try {
      const invite = await this.em.transactional(work);
      this.outbox.kick();
      return invite;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        if (clearWay !== undefined && (await clearWay()) > 0)
          return this.commitMail(conflict, work);
        throw new ProblemException(HttpStatus.CONFLICT, conflict, { type: 'conflict' });
      }
      throw error;
    }
  }

  /** Revokes a pending invite: its link answers 410 from now on. Revoking twice changes nothing. */
  async revoke(principal: Principal, id: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const invite = await this.lockVisible(principal, id, em);
      await this.authz.assert(principal, 'revoke', invite);
      await this.assertCanGrant(principal, invite.roles);
      if (invite.status === 'revoked') return;
      if (invite.status === 'accepted') {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'This invite was already accepted; manage the user instead.',
          { type: 'conflict' },
        );
      }
      invite.status = 'revoked';
      invite.revokedAt = this.clock.now();
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'invite.revoked',
        target: { type: 'Invite', id: invite.id },
      });
    });
  }

  /**
   * The invitee accepts: creates their user with the invited roles and groups
   * (roles or groups deleted since are left out), marks the invite used and
   * signs them in. Any token that does not lead to a pending invite is 410.
   */
  async accept(input: AcceptInviteDto): Promise<{ user: User } & TokenResponseDto> {
    const tokenHash = sha256Hex(input.token);
    const found = await this.em.fork().findOne(Invite, { tokenHash }, ANY_ORGANIZATION);
    this.assertAcceptable(found);
    const invite = found as Invite;
    const organization = await this.users.organization(invite.organizationId);
    this.users.assertPassword(
      input.password,
      { username: input.username, email: invite.email },
      organization,
    );
    const passwordHash = await this.hasher.hash(input.password);
    const catalog = await this.roles.catalog(invite.organizationId);
    const user = await this.em.fork().transactional(async (em) => {
      const locked = await em.findOne(
        Invite,
        { id: invite.id, tokenHash },
        { ...scoped(invite.organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      this.assertAcceptable(locked);
      const current = locked as Invite;
      const roles = current.roles.filter((key) => catalog.find(key) !== undefined);
      const created = await this.users.createSelf(
        organization,
        {
          username: input.username,
          email: current.email,
          displayName: input.displayName ?? current.displayName,
          roles: roles.length > 0 ? roles : [BASELINE_ROLE],
          passwordHash,
        },
        'user.created',
        em,
      );
      const joined = await this.groups.joinInTransaction(
        em,
        current.organizationId,
        created.id,
        current.groupIds,
      );
      current.status = 'accepted';
      current.acceptedAt = this.clock.now();
      current.acceptedUserId = created.id;
      await em.flush();
      await this.audit.record(em, {
        organizationId: current.organizationId,
        actor: { type: 'user', id: created.id, username: created.username, email: created.email },
        action: 'invite.accepted',
        target: { type: 'Invite', id: current.id },
        changes: {
          userId: { to: created.id },
          roles: { to: created.roles },
          groups: { to: joined },
        },
      });
      return created;
    });
    const tokens = await this.auth.signInNewUser(organization, user, 'invite');
    return { user, ...tokens };
  }

  private assertAcceptable(invite: Invite | null): void {
    if (invite === null)
      throw gone('This invitation link is not valid (it may have been replaced by a newer one).');
    switch (invite.statusAt(this.clock.now())) {
      case 'accepted':
        throw gone('This invitation has already been used.');
      case 'revoked':
        throw gone('This invitation was revoked.');
      case 'expired':
        throw gone('This invitation has expired; ask for a new one.');
      case 'pending':
        return;
    }
  }

  private async lockVisible(principal: Principal, id: string, em: EntityManager): Promise<Invite> {
    const invite = await em.findOne(
      Invite,
      { id },
      { ...scoped(principal.organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (invite === null || !this.authz.can(principal, 'read', invite)) throw notFound();
    return invite;
  }

  /** Rule 1 (and rule 4 for acting on an invite): only roles the caller could grant. */
  private async assertCanGrant(principal: Principal, roles: readonly string[]): Promise<void> {
    const catalog = await this.roles.catalog(principal.organizationId);
    catalog.assertKnown(roles);
    await this.authz.assertCanGrant(principal, roles, (key) => catalog.permissionsOf([key]));
  }

  /** The outbox row that becomes the mail job; the invite remembers it, so only the latest send counts. */
  private queueMail(em: EntityManager, invite: Invite): void {
    const message = this.outbox.add(em, {
      organizationId: invite.organizationId,
      queue: MAIL_QUEUE,
      jobName: INVITE_MAIL_JOB,
      payload: {
        organizationId: invite.organizationId,
        inviteId: invite.id,
      } satisfies InviteMailJob,
    });
    invite.deliveryId = message.id;
  }

  private expiryFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.invites.ttlHours * 3_600_000);
  }
}
