import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Application } from '../applications/entities/application.entity';
import { actorOf, type AuditActor, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import { ACCOUNT_HOLDER_ROLE, BASELINE_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { cursorTime, decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';
import { ProblemException } from '../common/problem/problem';
import { Group } from '../directory/groups/group.entity';
import { MembershipsService } from '../directory/groups/memberships.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { User } from '../directory/users/user.entity';
import { ACROSS_ORGANIZATIONS, scoped } from '../infra/database/organization-owned.entity';
import { ACCESS_REVIEW_QUEUE } from '../infra/queue/queues';
import { campaignReport, type ReportFormat, reportDigest } from './access-review-report';
import { snapshotStatements } from './access-review-snapshot.sql';
import type {
  CreateAccessReviewDto,
  ItemCountsDto,
  ListAccessReviewsQueryDto,
  UpdateAccessReviewDto,
} from './dto/access-review.dto';
import type { ItemKind } from './entities/access-review-item.entity';
import {
  AccessReview,
  type Recurrence,
  type ReviewedAccess,
} from './entities/access-review.entity';

const KIND_OF: Record<ReviewedAccess, ItemKind> = {
  roles: 'role',
  groups: 'group',
  applications: 'application',
  apiKeys: 'apiKey',
};

/** The job that starts the next campaign of a series, and its cron pattern (UTC, 06:00 on the 1st). */
export const RECUR_JOB = 'recur';
const RECURRENCE_PATTERNS: Record<Recurrence, string> = {
  monthly: '0 6 1 * *',
  quarterly: '0 6 1 1,4,7,10 *',
};
export const seriesSchedulerId = (seriesId: string) => `accessReviews.recur:${seriesId}`;

export const campaignNotFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such access review in this organization.');

const invalid = (field: string, message: string) =>
  new ProblemException(HttpStatus.BAD_REQUEST, `${field} ${message}.`, {
    type: 'validation-failed',
    errors: [{ field, message }],
  });

export const immutable = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'This access review is completed: its items and decisions no longer change.',
    { type: 'conflict' },
  );

/** What a campaign is started from: the request, or the previous campaign of its series. */
export type CampaignDefinition = Omit<CreateAccessReviewDto, 'dueAt'> & { dueAt: Date };

/**
 * Access review campaigns (ADR 0012): start (snapshot the items), read, change
 * the schedule, complete. Revokes are remediation on the organization's behalf
 * (rule 8 of docs/permissions.md): an Owner's access is reviewed by the other
 * Owners, and nobody reviews their own.
 */
@Injectable()
export class AccessReviewsService {
  private readonly logger = new Logger('AccessReviews');

  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly roles: RoleCatalogService,
    private readonly memberships: MembershipsService,
    private readonly clock: Clock,
    @InjectQueue(ACCESS_REVIEW_QUEUE) private readonly queue: Queue,
  ) {}

  async create(principal: Principal, input: CreateAccessReviewDto): Promise<AccessReview> {
    await this.authz.assert(
      principal,
      'create',
      asSubject('AccessReview', { organizationId: principal.organizationId, reviewerIds: [] }),
    );
    const dueAt = new Date(input.dueAt);
    if (dueAt.getTime() <= this.clock.now().getTime())
      throw invalid('dueAt', 'must be in the future');
    if (input.recurrence !== undefined && principal.userId === null) {
      throw invalid(
        'recurrence',
        'needs a person as creator: each run acts with its creator’s current authority',
      );
    }
    const campaign = await this.start(principal, { ...input, dueAt }, actorOf(principal));
    if (campaign.recurrence !== null) await this.scheduleOrDefer(campaign);
    return campaign;
  }

  /** Starts a campaign: validates its scope and reviewers, snapshots the items, audits, in one transaction. */
  async start(
    principal: Principal,
    definition: CampaignDefinition,
    actor: AuditActor,
    seriesId?: string,
  ): Promise<AccessReview> {
    const organizationId = principal.organizationId;
    const catalog = await this.roles.catalog(organizationId);
    const { scope, reviewers } = definition;
    return this.em.fork().transactional(async (em) => {
      await this.assertScope(em, organizationId, scope.type, scope.id, (keys) =>
        catalog.assertKnown(keys),
      );
      const fallback = await this.fallbackReviewers(em, organizationId, reviewers);
      const useManagers = reviewers.managers ?? true;
      if (!useManagers && fallback.length === 0)
        throw invalid('reviewers', 'must name someone: managers, users or a group');
      const now = this.clock.now();
      const campaign = em.create(AccessReview, {
        organizationId,
        name: definition.name,
        scopeType: scope.type,
        scopeId: scope.id ?? null,
        reviewing: [...new Set(definition.reviewing)],
        useManagers,
        reviewerUserIds: reviewers.userIds ?? [],
        reviewerGroupId: reviewers.groupId ?? null,
        dueAt: definition.dueAt,
        remindDaysBefore: definition.remindDaysBefore ?? 3,
        overdueAction: definition.overdueAction ?? 'leave',
        recurrence: definition.recurrence ?? null,
        seriesId: seriesId ?? '',
        createdById: principal.userId,
        createdByUsername: principal.username,
        startedAt: now,
      });
      campaign.seriesId = seriesId ?? campaign.id;
      await em.flush();
      const connection = em.getConnection();
      const ctx: unknown = em.getTransactionContext();
      const statements = snapshotStatements(
        {
          organizationId,
          campaignId: campaign.id,
          scopeType: campaign.scopeType,
          scopeId: campaign.scopeId,
          baselineRole: BASELINE_ROLE,
          accountHolderRole: ACCOUNT_HOLDER_ROLE,
          useManagers,
          fallbackReviewerIds: fallback,
          roleNames: Object.fromEntries(catalog.roles.map((role) => [role.key, role.name])),
          now,
        },
        campaign.reviewing.map((access) => KIND_OF[access]),
      );
      for (const statement of statements)
        await connection.execute(statement.sql, statement.params, 'run', ctx);
      const [reviewerRow] = await connection.execute<Array<{ ids: string[] | string }>>(
        `update access_reviews set reviewer_ids = coalesce((
            select array_agg(distinct r) from access_review_items i, unnest(i.reviewer_ids) r
             where i.campaign_id = ?), '{}')
          where id = ? returning reviewer_ids::text[] as ids`,
        [campaign.id, campaign.id],
        'all',
        ctx,
      );
      campaign.reviewerIds = pgArray(reviewerRow.ids);
      const counts = (await this.countsIn(em, [campaign.id])).get(campaign.id) ?? emptyCounts();
      await this.audit.record(em, {
        organizationId,
        actor,
        action: 'accessReview.started',
        target: { type: 'AccessReview', id: campaign.id },
        ...(seriesId ? { reason: `recurrence of ${seriesId}` } : {}),
        changes: {
          name: campaign.name,
          scope: { type: campaign.scopeType, id: campaign.scopeId },
          reviewing: campaign.reviewing,
          dueAt: campaign.dueAt.toISOString(),
          overdueAction: campaign.overdueAction,
          recurrence: campaign.recurrence,
          items: counts.total,
          reviewers: campaign.reviewerIds.length,
        },
      });
      if (counts.total === 0) await this.completeIn(em, campaign, actor, counts);
      return campaign;
    });
  }

  async list(
    principal: Principal,
    query: ListAccessReviewsQueryDto,
  ): Promise<{
    items: Array<{ campaign: AccessReview; counts: ItemCountsDto }>;
    nextCursor: string | null;
  }> {
    const visible = this.authz.where(principal, 'read', 'AccessReview', ['reviewerIds']);
    if (visible === null) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const filters: Array<Record<string, unknown>> = [visible];
    if (query.status) filters.push({ status: query.status });
    if (query.cursor) {
      const [startedAt, id] = decodeCursor(query.cursor);
      const at = cursorTime(startedAt);
      filters.push({ $or: [{ startedAt: { $lt: at } }, { startedAt: at, id: { $lt: id } }] });
    }
    const rows = await this.em.find(
      AccessReview,
      { $and: filters },
      scoped(principal.organizationId, {
        orderBy: { startedAt: 'desc' as const, id: 'desc' as const },
        limit: limit + 1,
      }),
    );
    const page = rows.slice(0, limit);
    const counts = await this.countsIn(
      this.em,
      page.map((campaign) => campaign.id),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((campaign) => ({
        campaign,
        counts: counts.get(campaign.id) ?? emptyCounts(),
      })),
      nextCursor:
        rows.length > limit && last ? encodeCursor(last.startedAt.toISOString(), last.id) : null,
    };
  }

  async get(
    principal: Principal,
    id: string,
  ): Promise<{ campaign: AccessReview; counts: ItemCountsDto }> {
    const campaign = await this.findVisible(principal, id, this.em);
    return { campaign, counts: await this.counts(campaign.id) };
  }

  async findVisible(principal: Principal, id: string, em: EntityManager): Promise<AccessReview> {
    const campaign = await em.findOne(AccessReview, { id }, scoped(principal.organizationId));
    if (campaign === null || !this.authz.can(principal, 'read', campaign)) throw campaignNotFound();
    return campaign;
  }

  async update(
    principal: Principal,
    id: string,
    input: UpdateAccessReviewDto,
  ): Promise<AccessReview> {
    const { campaign, recurrenceChanged } = await this.em.fork().transactional(async (em) => {
      const campaign = await em.findOne(
        AccessReview,
        { id },
        { ...scoped(principal.organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (campaign === null || !this.authz.can(principal, 'read', campaign))
        throw campaignNotFound();
      await this.authz.assert(principal, 'update', campaign);
      // The recurrence belongs to the series (and is not part of any report):
      // it is changed on the series' latest campaign, completed or not.
      if (input.recurrence !== undefined) {
        const latest = await em.findOne(
          AccessReview,
          { seriesId: campaign.seriesId },
          scoped(principal.organizationId, { orderBy: { startedAt: 'desc' as const } }),
        );
        if (latest !== null && latest.id !== campaign.id) {
          throw new ProblemException(
            HttpStatus.CONFLICT,
            `Change the recurrence on the series' latest campaign, ${latest.id}.`,
            { type: 'conflict' },
          );
        }
      }
      if (
        campaign.status === 'completed' &&
        (input.dueAt !== undefined || input.recurrence === undefined)
      )
        throw immutable();
      const changes: Record<string, unknown> = {};
      if (input.dueAt !== undefined) {
        const dueAt = new Date(input.dueAt);
        if (dueAt.getTime() <= this.clock.now().getTime())
          throw invalid('dueAt', 'must be in the future');
        changes.dueAt = { from: campaign.dueAt.toISOString(), to: dueAt.toISOString() };
        campaign.dueAt = dueAt;
        // A later due date earns its reminder and escalation again.
        campaign.remindedAt = null;
        campaign.escalatedAt = null;
      }
      if (input.recurrence !== undefined && input.recurrence !== campaign.recurrence) {
        if (input.recurrence !== null && campaign.createdById === null)
          throw invalid('recurrence', 'needs a person as creator');
        changes.recurrence = { from: campaign.recurrence, to: input.recurrence };
        campaign.recurrence = input.recurrence;
      }
      const recurrenceChanged = changes.recurrence !== undefined;
      // Nothing to change: nothing written, nothing audited.
      if (Object.keys(changes).length === 0) return { campaign, recurrenceChanged };
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'accessReview.updated',
        target: { type: 'AccessReview', id: campaign.id },
        changes,
      });
      return { campaign, recurrenceChanged };
    });
    if (recurrenceChanged) {
      if (campaign.recurrence === null) await this.unschedule(campaign.seriesId);
      else await this.scheduleOrDefer(campaign);
    }
    return campaign;
  }

  /** POST /access-reviews/:id/complete: closes an active campaign, undecided items left as they are. */
  async complete(principal: Principal, id: string): Promise<AccessReview> {
    return this.em.fork().transactional(async (em) => {
      const campaign = await em.findOne(
        AccessReview,
        { id },
        { ...scoped(principal.organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (campaign === null || !this.authz.can(principal, 'read', campaign))
        throw campaignNotFound();
      await this.authz.assert(principal, 'update', campaign);
      if (campaign.status === 'completed') throw immutable();
      await this.completeIn(em, campaign, actorOf(principal));
      return campaign;
    });
  }

  /**
   * Completes a campaign inside the caller's transaction (which holds its row
   * lock): from now on it is immutable, and the audit trail records its report's
   * SHA-256 and counts.
   */
  async completeIn(
    em: EntityManager,
    campaign: AccessReview,
    actor: AuditActor,
    known?: ItemCountsDto,
  ): Promise<void> {
    const counts = known ?? (await this.counts(campaign.id, em));
    campaign.status = 'completed';
    campaign.completedAt = this.clock.now();
    campaign.reportSha256 = await reportDigest(em, campaign, counts);
    await em.flush();
    await this.audit.record(em, {
      organizationId: campaign.organizationId,
      actor,
      action: 'accessReview.completed',
      target: { type: 'AccessReview', id: campaign.id },
      changes: {
        items: counts,
        report: {
          sha256: campaign.reportSha256,
          path: `/api/v1/access-reviews/${campaign.id}/report?format=json`,
        },
      },
    });
  }

  async counts(campaignId: string, em: EntityManager = this.em): Promise<ItemCountsDto> {
    return (await this.countsIn(em, [campaignId])).get(campaignId) ?? emptyCounts();
  }

  private async countsIn(
    em: EntityManager,
    campaignIds: readonly string[],
  ): Promise<Map<string, ItemCountsDto>> {
    if (campaignIds.length === 0) return new Map();
    const rows = await em
      .getConnection()
      .execute<
        Array<{ campaign_id: string; total: string; open: string; kept: string; revoked: string }>
      >(
        `select campaign_id, count(*) as total,
              count(*) filter (where decision is null) as open,
              count(*) filter (where decision = 'keep') as kept,
              count(*) filter (where decision = 'revoke') as revoked
         from access_review_items where campaign_id in (${campaignIds.map(() => '?').join(', ')})
        group by campaign_id`,
        [...campaignIds],
        'all',
        em.getTransactionContext(),
      );
    return new Map(
      rows.map((row) => [
        row.campaign_id,
        {
          total: Number(row.total),
          open: Number(row.open),
          kept: Number(row.kept),
          revoked: Number(row.revoked),
        },
      ]),
    );
  }

  /**
   * GET /access-reviews/:id/report: the export is on the record before a byte
   * leaves; the report streams from its own database context.
   */
  async openReport(
    principal: Principal,
    id: string,
    format: ReportFormat,
  ): Promise<{ campaign: AccessReview; body: AsyncGenerator<string> }> {
    const { campaign, counts } = await this.get(principal, id);
    await this.authz.assert(principal, 'export', campaign);
    await this.audit.record(this.em.fork(), {
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      action: 'accessReview.reportExported',
      target: { type: 'AccessReview', id: campaign.id },
      changes: { format, status: campaign.status, reportSha256: campaign.reportSha256 },
    });
    return { campaign, body: campaignReport(this.em.fork(), campaign, counts, format) };
  }

  /** The recurring series' job scheduler: one per series, so every worker agrees on one schedule. */
  async schedule(campaign: AccessReview): Promise<void> {
    if (campaign.recurrence === null) return;
    await this.queue.upsertJobScheduler(
      seriesSchedulerId(campaign.seriesId),
      { pattern: RECURRENCE_PATTERNS[campaign.recurrence], tz: 'UTC' },
      {
        name: RECUR_JOB,
        data: { organizationId: campaign.organizationId, seriesId: campaign.seriesId },
      },
    );
  }

  /**
   * After the commit: a Redis outage must not turn a started campaign into a
   * 500. The sweep upserts every recurring series' scheduler again, so a
   * deferred one is in place by its next run.
   */
  private async scheduleOrDefer(campaign: AccessReview): Promise<void> {
    await this.schedule(campaign).catch((error: unknown) =>
      this.logger.warn(
        `Recurrence of access review series ${campaign.seriesId} deferred to the next sweep: ${(error as Error).message}`,
      ),
    );
  }

  /** The latest campaign of each recurring series (every organization's). */
  async recurringSeries(): Promise<AccessReview[]> {
    const latest = await this.em.getConnection().execute<Array<{ id: string }>>(
      `select distinct on (series_id) id from access_reviews
        order by series_id, started_at desc`,
    );
    if (latest.length === 0) return [];
    const campaigns = await this.em
      .fork()
      .find(AccessReview, { id: { $in: latest.map((row) => row.id) } }, ACROSS_ORGANIZATIONS);
    return campaigns.filter((campaign) => campaign.recurrence !== null);
  }

  async unschedule(seriesId: string): Promise<void> {
    await this.queue.removeJobScheduler(seriesSchedulerId(seriesId));
  }

  private async assertScope(
    em: EntityManager,
    organizationId: string,
    type: string,
    id: string | undefined,
    assertRoleKnown: (keys: string[]) => void,
  ): Promise<void> {
    const needsId = type === 'role' || type === 'group' || type === 'application';
    if (!needsId) {
      if (id !== undefined) throw invalid('scope.id', `must be omitted for scope "${type}"`);
      return;
    }
    if (id === undefined) throw invalid('scope.id', `is required for scope "${type}"`);
    if (type === 'role') return assertRoleKnown([id]);
    if (!UUID.test(id)) throw invalid('scope.id', 'must be a UUID');
    const found =
      type === 'group'
        ? await em.findOne(Group, { id }, scoped(organizationId))
        : await em.findOne(Application, { id }, scoped(organizationId));
    if (found === null)
      throw new ProblemException(HttpStatus.NOT_FOUND, `No such ${type} in this organization.`);
  }

  /** Named reviewers and the reviewer group's members: active users of the organization. */
  private async fallbackReviewers(
    em: EntityManager,
    organizationId: string,
    reviewers: CreateAccessReviewDto['reviewers'],
  ): Promise<string[]> {
    const named = reviewers.userIds ?? [];
    if (named.length > 0) {
      const found = await em.find(
        User,
        { id: { $in: named }, status: 'active' },
        scoped(organizationId),
      );
      const missing = named.filter((id) => !found.some((user) => user.id === id));
      if (missing.length > 0) {
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          `No such active user(s) in this organization: ${missing.join(', ')}.`,
        );
      }
    }
    let members: string[] = [];
    if (reviewers.groupId !== undefined) {
      const group = await em.findOne(Group, { id: reviewers.groupId }, scoped(organizationId));
      if (group === null)
        throw new ProblemException(
          HttpStatus.NOT_FOUND,
          'No such reviewer group in this organization.',
        );
      const ids = await this.memberships.memberIds(em, group.id);
      const active = await em.find(
        User,
        { id: { $in: ids }, status: 'active' },
        scoped(organizationId),
      );
      members = active.map((user) => user.id);
    }
    return [...new Set([...named, ...members])];
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const emptyCounts = (): ItemCountsDto => ({ total: 0, open: 0, kept: 0, revoked: 0 });

/** A text[] / uuid[] column as the driver returns it: an array, or its literal when unparsed. */
function pgArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((part) => part.replace(/^"|"$/g, ''));
}
