import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, type AuditActor, AuditService } from '../audit/audit.service';
import { AuthzService } from '../authz/authz.service';
import { ACCOUNT_HOLDER_ROLE } from '../authz/matrix';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { cursorTime, decodeCursor, encodeCursor } from '../common/pagination/keyset-cursor';
import { ProblemException } from '../common/problem/problem';
import { toProblem } from '../common/problem/to-problem';
import { MembershipsService } from '../directory/groups/memberships.service';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { User } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { AccessReviewEffects, NOTHING } from './access-review-effects';
import { AccessReviewsService, campaignNotFound, immutable } from './access-reviews.service';
import {
  AccessReviewItemResponseDto,
  type BulkDecideDto,
  type BulkDecisionResultDto,
  type DecideItemDto,
  type ListReviewItemsQueryDto,
} from './dto/access-review.dto';
import { AccessReviewItem, type Decision } from './entities/access-review-item.entity';
import { AccessReview } from './entities/access-review.entity';

const DAY_MS = 86_400_000;

const itemNotFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such access review item in this organization.');

/** Why an item is decided: the campaign, as audit events of the change it caused name it. */
export const reviewReason = (campaignId: string) => `access review ${campaignId}`;

/**
 * Reviewers' work: their items, and `keep` / `revoke` decisions. Only someone
 * who could make an Owner decides an Owner's item (rule 8). A decision is
 * final; a revoke removes the access in the same transaction as the decision
 * and both audit events, and reaches the user's next request on every
 * instance. The last decision completes the campaign.
 */
@Injectable()
export class AccessReviewDecisionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly campaigns: AccessReviewsService,
    private readonly effects: AccessReviewEffects,
    private readonly roles: RoleCatalogService,
    private readonly memberships: MembershipsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Items the caller may see, undecided users' least recent activity first
   * (never active first), so "inactive for 90 days" leads the list.
   */
  async list(
    principal: Principal,
    query: ListReviewItemsQueryDto,
  ): Promise<{ items: AccessReviewItem[]; nextCursor: string | null }> {
    const visible = this.authz.where(principal, 'read', 'AccessReviewItem', ['reviewerIds']);
    if (visible === null) return { items: [], nextCursor: null };
    const limit = query.limit ?? 50;
    const filters: Array<Record<string, unknown>> = [visible];
    if (query.campaignId) filters.push({ campaignId: query.campaignId });
    if (query.status === 'open') filters.push({ decision: null });
    if (query.status === 'decided') filters.push({ decision: { $ne: null } });
    if (query.kind) filters.push({ kind: query.kind });
    if (query.userId) filters.push({ userId: query.userId });
    if (query.reviewer === 'me') {
      if (principal.userId === null) return { items: [], nextCursor: null };
      filters.push({ reviewerIds: { $contains: [principal.userId] } });
    }
    if (query.inactiveDays !== undefined) {
      const before = new Date(this.clock.now().getTime() - query.inactiveDays * DAY_MS);
      filters.push({ $or: [{ lastActivityAt: null }, { lastActivityAt: { $lt: before } }] });
    }
    // Keyset over (last activity, nulls first; id), encoded as the activity's ISO time or null.
    if (query.cursor) {
      const [activity, id] = decodeCursor(query.cursor);
      filters.push(
        activity === null
          ? { $or: [{ lastActivityAt: null, id: { $gt: id } }, { lastActivityAt: { $ne: null } }] }
          : {
              $or: [
                { lastActivityAt: { $gt: cursorTime(activity) } },
                { lastActivityAt: cursorTime(activity), id: { $gt: id } },
              ],
            },
      );
    }
    const rows = await this.em.find(
      AccessReviewItem,
      { $and: filters },
      scoped(principal.organizationId, {
        orderBy: { lastActivityAt: 'asc nulls first' as const, id: 'asc' as const },
        limit: limit + 1,
      }),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        rows.length > limit && last
          ? encodeCursor(last.lastActivityAt?.toISOString() ?? null, last.id)
          : null,
    };
  }

  async decide(
    principal: Principal,
    itemId: string,
    input: DecideItemDto,
  ): Promise<AccessReviewItem> {
    const { item, announce } = await this.em.fork().transactional(async (em) => {
      const found = await em.findOne(
        AccessReviewItem,
        { id: itemId },
        scoped(principal.organizationId),
      );
      if (found === null || !this.authz.can(principal, 'read', found)) throw itemNotFound();
      await this.authz.assert(principal, 'decide', found);
      if (found.userId === principal.userId) {
        throw new ProblemException(
          HttpStatus.FORBIDDEN,
          'A reviewer never reviews their own access: someone else decides this item.',
        );
      }
      // The campaign's row lock orders its decisions, so exactly one of them completes it.
      const campaign = await em.findOne(
        AccessReview,
        { id: found.campaignId },
        { ...scoped(principal.organizationId), lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (campaign === null) throw campaignNotFound();
      if (campaign.status === 'completed') throw immutable();
      await em.refresh(found);
      if (await this.holdsAccount(em, found)) {
        const catalog = await this.roles.catalog(principal.organizationId);
        await this.authz.assertCanGrant(principal, [ACCOUNT_HOLDER_ROLE], (key) =>
          catalog.permissionsOf([key]),
        );
      }
      return this.decideIn(
        em,
        campaign,
        found,
        input.decision,
        input.comment ?? null,
        actorOf(principal),
      );
    });
    await announce();
    return item;
  }

  /** POST /access-reviews/items/decisions: each decision as the single one, in its own transaction. */
  async decideMany(principal: Principal, input: BulkDecideDto): Promise<BulkDecisionResultDto[]> {
    const results: BulkDecisionResultDto[] = [];
    for (const decision of input.decisions) {
      try {
        const item = await this.decide(principal, decision.itemId, decision);
        results.push({
          itemId: decision.itemId,
          ok: true,
          item: AccessReviewItemResponseDto.from(item),
        });
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        const { type, title, status, detail } = toProblem(error, '').body;
        results.push({
          itemId: decision.itemId,
          ok: false,
          problem: { type, title, status, detail },
        });
      }
    }
    return results;
  }

  /** Whether the item's user holds the account-holder role (directly or through a group) now. */
  async holdsAccount(em: EntityManager, item: AccessReviewItem): Promise<boolean> {
    const user = await em.findOne(User, { id: item.userId }, scoped(item.organizationId));
    if (user === null) return false;
    if (user.roles.includes(ACCOUNT_HOLDER_ROLE)) return true;
    const { groupRoles } = await this.memberships.membershipsOf(item.organizationId, user.id);
    return groupRoles.includes(ACCOUNT_HOLDER_ROLE);
  }

  /**
   * Records one decision inside the caller's transaction, which holds the
   * campaign's row lock: the change a revoke causes, both audit events, and
   * the campaign's completion when this was its last open item.
   */
  async decideIn(
    em: EntityManager,
    campaign: AccessReview,
    item: AccessReviewItem,
    decision: Decision,
    comment: string | null,
    actor: AuditActor,
    completeWhenDone = true,
  ): Promise<{ item: AccessReviewItem; announce: () => Promise<void> }> {
    if (item.decision !== null) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        `This item was decided already (${item.decision}); decisions are final.`,
        { type: 'conflict' },
      );
    }
    const reason = reviewReason(campaign.id);
    const revocation =
      decision === 'revoke' ? await this.effects.revoke(em, item, actor, reason) : null;
    item.decision = decision;
    item.comment = comment;
    item.decidedAt = this.clock.now();
    item.decidedByType = actor.type;
    item.decidedById = actor.id;
    item.decidedByUsername = actor.username ?? null;
    item.outcome = revocation?.outcome ?? 'kept';
    await em.flush();
    await this.audit.record(em, {
      organizationId: campaign.organizationId,
      actor,
      action: 'accessReview.itemDecided',
      target: { type: 'AccessReview', id: campaign.id },
      ...(actor.type === 'system' ? { reason: 'overdue' } : {}),
      changes: {
        item: item.id,
        user: item.userId,
        kind: item.kind,
        resource: item.resourceId,
        decision,
        comment,
        outcome: item.outcome,
      },
    });
    if (completeWhenDone) {
      const counts = await this.campaigns.counts(campaign.id, em);
      if (counts.open === 0) await this.campaigns.completeIn(em, campaign, actor, counts);
    }
    return { item, announce: revocation?.announce ?? NOTHING };
  }
}
