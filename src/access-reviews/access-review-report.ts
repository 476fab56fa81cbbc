import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { csvLine } from '../common/csv';
import { scoped } from '../infra/database/organization-owned.entity';
import { AccessReviewItemResponseDto, type ItemCountsDto } from './dto/access-review.dto';
import { AccessReviewItem } from './entities/access-review-item.entity';
import type { AccessReview } from './entities/access-review.entity';

export type ReportFormat = 'csv' | 'json';

const BATCH = 1_000;

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

const CSV_COLUMNS = [
  'itemId',
  'userId',
  'username',
  'email',
  'userStatus',
  'kind',
  'resourceId',
  'resourceName',
  'grantedAt',
  'grantedBy',
  'lastLoginAt',
  'lastActivityAt',
  'reviewerIds',
  'decision',
  'comment',
  'decidedAt',
  'decidedBy',
  'outcome',
] as const;

/** The campaign as the report states it (everything but the report's own digest). */
function campaignFacts(campaign: AccessReview, counts: ItemCountsDto) {
  return {
    id: campaign.id,
    name: campaign.name,
    status: campaign.status,
    scope: { type: campaign.scopeType, id: campaign.scopeId },
    reviewing: campaign.reviewing,
    dueAt: campaign.dueAt.toISOString(),
    overdueAction: campaign.overdueAction,
    createdById: campaign.createdById,
    createdByUsername: campaign.createdByUsername,
    startedAt: campaign.startedAt.toISOString(),
    completedAt: campaign.completedAt?.toISOString() ?? null,
    items: counts,
  };
}

/** The campaign's items in id order, a batch at a time, never all in memory. */
async function* itemBatches(
  em: EntityManager,
  campaign: AccessReview,
): AsyncGenerator<AccessReviewItemResponseDto[]> {
  let after: string | null = null;
  for (;;) {
    const where: Record<string, unknown> = { campaignId: campaign.id };
    if (after !== null) where.id = { $gt: after };
    const rows: AccessReviewItem[] = await em.find(
      AccessReviewItem,
      where,
      scoped(campaign.organizationId, {
        orderBy: { id: 'asc' as const },
        limit: BATCH,
        disableIdentityMap: true,
      }),
    );
    if (rows.length === 0) return;
    yield rows.map((row) => AccessReviewItemResponseDto.from(row));
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1].id;
  }
}

/**
 * The campaign report (every item, its decision, reviewer, time and the change
 * it caused) as CSV or one JSON document, streamed. The JSON bytes of a
 * completed campaign never change, so the SHA-256 recorded in the audit trail
 * at completion identifies the file an auditor downloads.
 */
export async function* campaignReport(
  em: EntityManager,
  campaign: AccessReview,
  counts: ItemCountsDto,
  format: ReportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CSV_COLUMNS);
  else yield `{"campaign":${JSON.stringify(campaignFacts(campaign, counts))},"items":[`;
  let first = true;
  for await (const batch of itemBatches(em, campaign)) {
    if (format === 'csv') {
      yield batch
        .map((item) =>
          csvLine([
            item.id,
            item.userId,
            item.username,
            item.email,
            item.userStatus,
            item.kind,
            item.resourceId,
            item.resourceName,
            item.grantedAt,
            item.grantedByUsername ?? item.grantedById,
            item.lastLoginAt,
            item.lastActivityAt,
            item.reviewerIds.join(' '),
            item.decision,
            item.comment,
            item.decidedAt,
            item.decidedByUsername ?? item.decidedById,
            item.outcome,
          ]),
        )
        .join('');
    } else {
      yield batch
        .map((item, index) => `${first && index === 0 ? '' : ','}\n${JSON.stringify(item)}`)
        .join('');
      first = false;
    }
  }
  if (format === 'json') yield '\n]}\n';
}

/** SHA-256 (hex) of the campaign's JSON report as it reads inside `em` now. */
export async function reportDigest(
  em: EntityManager,
  campaign: AccessReview,
  counts: ItemCountsDto,
): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of campaignReport(em, campaign, counts, 'json')) hash.update(chunk);
  return hash.digest('hex');
}
