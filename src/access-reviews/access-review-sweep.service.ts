import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { buildAbility } from '../authz/ability';
import { coversAll } from '../authz/escalation';
import { ACCOUNT_HOLDER_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { MembershipsService } from '../directory/groups/memberships.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { User } from '../directory/users/user.entity';
import { Mailer } from '../infra/mail/mailer';
import { ACROSS_ORGANIZATIONS, scoped } from '../infra/database/organization-owned.entity';
import { ACCESS_REVIEW_QUEUE } from '../infra/queue/queues';
import { OutboxService } from '../outbox/outbox.service';
import { AccessReviewDecisionsService } from './access-review-decisions.service';
import {
  type MailStage,
  renderReviewMail,
  REVIEW_MAIL_JOB,
  type ReviewMailJob,
} from './access-review-mail';
import { AccessReviewsService } from './access-reviews.service';
import { AccessReviewItem } from './entities/access-review-item.entity';
import { AccessReview } from './entities/access-review.entity';

const DAY_MS = 86_400_000;
const SYSTEM: AuditActor = { type: 'system', id: null, username: 'access-reviews' };

export interface SweepResult {
  reminded: number;
  escalated: number;
  autoRevoked: number;
  completed: number;
}

/**
 * The access review queue's work: reminders before the due date, and on it
 * either the overdue items revoked (campaigns that say so) or the reviewers
 * and the creator told; the mails themselves; the next campaign of a
 * recurring series. Idempotent: each campaign's reminder and escalation are
 * marked in the same transaction that queues their mail (through the outbox).
 */
@Injectable()
export class AccessReviewSweepService {
  private readonly logger = new Logger('AccessReviews');

  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly campaigns: AccessReviewsService,
    private readonly decisions: AccessReviewDecisionsService,
    private readonly outbox: OutboxService,
    private readonly mailer: Mailer,
    private readonly roles: RoleCatalogService,
    private readonly memberships: MembershipsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { reminded: 0, escalated: 0, autoRevoked: 0, completed: 0 };
    const now = this.clock.now();
    const pending = await this.em
      .fork()
      .find(
        AccessReview,
        { status: 'active', $or: [{ remindedAt: null }, { escalatedAt: null }] },
        { ...ACROSS_ORGANIZATIONS, orderBy: { dueAt: 'asc' as const } },
      );
    for (const candidate of pending) {
      const remindFrom = candidate.dueAt.getTime() - candidate.remindDaysBefore * DAY_MS;
      if (candidate.escalatedAt === null && now >= candidate.dueAt) {
        const outcome = await this.escalate(candidate.id, candidate.organizationId);
        result.escalated += 1;
        result.autoRevoked += outcome.revoked;
        result.completed += outcome.completed ? 1 : 0;
      } else if (candidate.remindedAt === null && now.getTime() >= remindFrom) {
        if (await this.remind(candidate.id, candidate.organizationId)) result.reminded += 1;
      }
    }
    // Idempotent: puts back a recurring series' scheduler that could not be set when it was asked for.
    for (const latest of await this.campaigns.recurringSeries())
      await this.campaigns.schedule(latest);
    this.outbox.kick();
    if (result.reminded + result.escalated > 0)
      this.logger.log({ msg: 'Access review sweep', ...result });
    return result;
  }

  /** Queues one reminder per reviewer with open items; false when another sweep did it first. */
  private async remind(campaignId: string, organizationId: string): Promise<boolean> {
    return this.em.fork().transactional(async (em) => {
      const campaign = await this.lock(em, campaignId, organizationId);
      if (campaign === null || campaign.remindedAt !== null) return false;
      campaign.remindedAt = this.clock.now();
      const reviewers = await this.reviewersWithOpenItems(em, campaign);
      this.queueMail(em, campaign, reviewers, 'reminder');
      await em.flush();
      await this.audit.record(em, {
        organizationId,
        actor: SYSTEM,
        action: 'accessReview.remindersSent',
        target: { type: 'AccessReview', id: campaign.id },
        changes: { reviewers: reviewers.length, dueAt: campaign.dueAt.toISOString() },
      });
      return true;
    });
  }

  /**
   * On the due date: revoke every undecided item and complete the campaign
   * (`overdueAction: revoke`), or tell the reviewers and the creator (`leave`).
   * An Owner's item stays undecided unless an Owner started the campaign, as
   * does one whose revoke is refused (the last Owner).
   */
  private async escalate(
    campaignId: string,
    organizationId: string,
  ): Promise<{ revoked: number; completed: boolean }> {
    const announcements: Array<() => Promise<void>> = [];
    const outcome = await this.em.fork().transactional(async (em) => {
      const campaign = await this.lock(em, campaignId, organizationId);
      if (campaign === null || campaign.escalatedAt !== null || campaign.status !== 'active')
        return { revoked: 0, completed: false };
      campaign.escalatedAt = this.clock.now();
      campaign.remindedAt ??= campaign.escalatedAt;
      if (campaign.overdueAction === 'revoke') {
        const open = await em.find(
          AccessReviewItem,
          { campaignId: campaign.id, decision: null },
          scoped(organizationId, { orderBy: { id: 'asc' as const } }),
        );
        // Only a campaign an Owner started revokes an Owner's access by default (rule 8).
        const creator =
          campaign.createdById === null
            ? null
            : await this.principalOf(organizationId, campaign.createdById);
        const changesOwners =
          creator !== null &&
          coversAll(
            creator.permissions,
            (await this.roles.catalog(organizationId)).permissionsOf([ACCOUNT_HOLDER_ROLE]),
          );
        let revoked = 0;
        for (const item of open) {
          if (!changesOwners && (await this.decisions.holdsAccount(em, item))) continue;
          try {
            // A refused revoke (the last Owner) throws before it writes anything.
            const decided = await this.decisions.decideIn(
              em,
              campaign,
              item,
              'revoke',
              null,
              SYSTEM,
              false,
            );
            announcements.push(decided.announce);
            revoked += 1;
          } catch (error) {
            if (!(error instanceof HttpException)) throw error;
            this.logger.warn(`Overdue item ${item.id} left undecided: ${error.message}`);
          }
        }
        await this.campaigns.completeIn(em, campaign, SYSTEM);
        return { revoked, completed: true };
      }
      const reviewers = await this.reviewersWithOpenItems(em, campaign);
      this.queueMail(em, campaign, reviewers, 'overdue');
      if (campaign.createdById !== null)
        this.queueMail(em, campaign, [campaign.createdById], 'escalation');
      await em.flush();
      await this.audit.record(em, {
        organizationId,
        actor: SYSTEM,
        action: 'accessReview.escalated',
        target: { type: 'AccessReview', id: campaign.id },
        changes: { reviewers: reviewers.length, escalatedTo: campaign.createdById },
      });
      return { revoked: 0, completed: false };
    });
    for (const announce of announcements) await announce();
    return outcome;
  }

  /** Sends one review mail job; returns what happened, for the job's result. */
  async sendMail(job: ReviewMailJob): Promise<string> {
    const em = this.em.fork();
    const campaign = await em.findOne(
      AccessReview,
      { id: job.campaignId },
      scoped(job.organizationId),
    );
    const recipient = await em.findOne(User, { id: job.recipientId }, scoped(job.organizationId));
    if (campaign === null || campaign.status !== 'active') return 'skipped: campaign completed';
    if (recipient === null || recipient.email === null || recipient.status !== 'active')
      return 'skipped: no active recipient with an email address';
    const open = await em.count(
      AccessReviewItem,
      job.stage === 'escalation'
        ? { campaignId: campaign.id, decision: null }
        : { campaignId: campaign.id, decision: null, reviewerIds: { $contains: [recipient.id] } },
      scoped(job.organizationId),
    );
    if (open === 0) return 'skipped: nothing left to decide';
    await this.mailer.send(
      renderReviewMail({
        to: recipient.email,
        stage: job.stage,
        campaignName: campaign.name,
        openItems: open,
        dueAt: campaign.dueAt,
        link: `${this.config.publicUrl}/api/v1/access-reviews/items?campaignId=${campaign.id}&status=open&reviewer=me`,
      }),
    );
    return `sent ${job.stage} to ${recipient.id}`;
  }

  /**
   * The recurring series' job: starts the next campaign like the latest one,
   * with the same time to decide, under its creator's current authority (a
   * creator who left or lost it ends the series).
   */
  async recur(organizationId: string, seriesId: string): Promise<string> {
    const latest = await this.em
      .fork()
      .findOne(
        AccessReview,
        { seriesId },
        scoped(organizationId, { orderBy: { startedAt: 'desc' as const } }),
      );
    if (latest === null || latest.recurrence === null) {
      await this.campaigns.unschedule(seriesId);
      return 'series stopped';
    }
    const creator =
      latest.createdById === null
        ? null
        : await this.principalOf(organizationId, latest.createdById);
    if (creator === null) {
      await this.campaigns.unschedule(seriesId);
      await this.audit.record(this.em.fork(), {
        organizationId,
        actor: SYSTEM,
        action: 'accessReview.recurrenceStopped',
        target: { type: 'AccessReview', id: latest.id },
        reason: 'the series’ creator is no longer an active user',
      });
      return 'series stopped: creator inactive';
    }
    const now = this.clock.now();
    const next = await this.campaigns.start(
      creator,
      {
        name: latest.name,
        scope: { type: latest.scopeType, ...(latest.scopeId ? { id: latest.scopeId } : {}) },
        reviewing: latest.reviewing,
        reviewers: {
          managers: latest.useManagers,
          userIds: latest.reviewerUserIds,
          ...(latest.reviewerGroupId ? { groupId: latest.reviewerGroupId } : {}),
        },
        dueAt: new Date(now.getTime() + (latest.dueAt.getTime() - latest.startedAt.getTime())),
        remindDaysBefore: latest.remindDaysBefore,
        overdueAction: latest.overdueAction,
        recurrence: latest.recurrence,
      },
      SYSTEM,
      seriesId,
    );
    return `started ${next.id}`;
  }

  /** The creator's principal as a sign-in would build it now, or null when they are not active. */
  private async principalOf(organizationId: string, userId: string): Promise<Principal | null> {
    const user = await this.em.fork().findOne(User, { id: userId }, scoped(organizationId));
    if (user === null || user.status !== 'active') return null;
    const { groupIds, groupRoles } = await this.memberships.membershipsOf(organizationId, userId);
    const effectiveRoles = [...new Set([...user.roles, ...groupRoles])];
    const permissions = (await this.roles.catalog(organizationId)).permissionsOf(effectiveRoles);
    return {
      kind: 'user',
      organizationId,
      userId,
      username: user.username,
      email: user.email,
      sessionId: null,
      roles: user.roles,
      effectiveRoles,
      groupIds,
      permissions,
      ability: buildAbility(permissions, {
        organizationId,
        userId,
        roleKeys: effectiveRoles,
        groupIds,
      }),
    };
  }

  private lock(em: EntityManager, id: string, organizationId: string) {
    return em.findOne(
      AccessReview,
      { id },
      { ...scoped(organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
    );
  }

  private async reviewersWithOpenItems(
    em: EntityManager,
    campaign: AccessReview,
  ): Promise<string[]> {
    const rows = await em.getConnection().execute<Array<{ reviewer: string }>>(
      `select distinct r as reviewer from access_review_items i, unnest(i.reviewer_ids) r
        where i.campaign_id = ? and i.decision is null order by 1`,
      [campaign.id],
      'all',
      em.getTransactionContext(),
    );
    return rows.map((row) => row.reviewer);
  }

  private queueMail(
    em: EntityManager,
    campaign: AccessReview,
    recipients: readonly string[],
    stage: MailStage,
  ): void {
    for (const recipientId of recipients) {
      const payload: ReviewMailJob = {
        organizationId: campaign.organizationId,
        campaignId: campaign.id,
        recipientId,
        stage,
      };
      this.outbox.add(em, {
        organizationId: campaign.organizationId,
        queue: ACCESS_REVIEW_QUEUE,
        jobName: REVIEW_MAIL_JOB,
        payload: { ...payload },
      });
    }
  }
}
