import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { csvLine } from '../common/csv';
import { AccessReviewItemResponseDto, type ItemCountsDto } from './dto/access-review.dto';
import type { AccessReview } from './entities/access-review.entity';

export type ReportFormat = 'csv' | 'json';

const BATCH = 2_000;

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

const iso = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${column}`;

/** The item columns as the API shows them: times as ISO strings, reviewers as a JSON array. */
const ITEM_COLUMNS = `id, campaign_id, user_id, username, display_name, email, user_status, kind,
  resource_id, resource_name, ${iso('granted_at')}, granted_by_id, granted_by_username,
  ${iso('last_login_at')}, ${iso('last_activity_at')}, array_to_json(reviewer_ids)::text as reviewer_ids,
  decision, comment, ${iso('decided_at')}, decided_by_id, decided_by_username, outcome`;

interface ItemRow {
  id: string;
  campaign_id: string;
  user_id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  user_status: string;
  kind: AccessReviewItemResponseDto['kind'];
  resource_id: string;
  resource_name: string;
  granted_at: string | null;
  granted_by_id: string | null;
  granted_by_username: string | null;
  last_login_at: string | null;
  last_activity_at: string | null;
  reviewer_ids: string;
  decision: AccessReviewItemResponseDto['decision'];
  comment: string | null;
  decided_at: string | null;
  decided_by_id: string | null;
  decided_by_username: string | null;
  outcome: AccessReviewItemResponseDto['outcome'];
}

/** A row as `AccessReviewItemResponseDto.from` shows the entity (the report test compares them). */
function toItem(row: ItemRow): AccessReviewItemResponseDto {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    userStatus: row.user_status,
    kind: row.kind,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    grantedAt: row.granted_at,
    grantedById: row.granted_by_id,
    grantedByUsername: row.granted_by_username,
    lastLoginAt: row.last_login_at,
    lastActivityAt: row.last_activity_at,
    reviewerIds: JSON.parse(row.reviewer_ids) as string[],
    decision: row.decision,
    comment: row.comment,
    decidedAt: row.decided_at,
    decidedById: row.decided_by_id,
    decidedByUsername: row.decided_by_username,
    outcome: row.outcome,
  };
}

/**
 * The campaign's items in id order, a batch at a time (keyset), never all in
 * memory; read as rows, not entities, since nothing here changes them.
 */
async function* itemBatches(
  em: EntityManager,
  campaign: AccessReview,
): AsyncGenerator<AccessReviewItemResponseDto[]> {
  const connection = em.getConnection();
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await connection.execute<ItemRow[]>(
      `select ${ITEM_COLUMNS} from access_review_items
        where campaign_id = ? and organization_id = ? and id > ?
        order by id limit ${BATCH}`,
      [campaign.id, campaign.organizationId, after],
      'all',
      em.getTransactionContext(),
    );
    if (rows.length === 0) return;
    yield rows.map(toItem);
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
