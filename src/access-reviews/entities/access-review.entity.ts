import { Entity, Enum, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export const REVIEW_SCOPES = ['all', 'role', 'group', 'application', 'privileged'] as const;
export type ReviewScope = (typeof REVIEW_SCOPES)[number];

export const REVIEWED_ACCESS = ['roles', 'groups', 'applications', 'apiKeys'] as const;
export type ReviewedAccess = (typeof REVIEWED_ACCESS)[number];

export const OVERDUE_ACTIONS = ['revoke', 'leave'] as const;
export type OverdueAction = (typeof OVERDUE_ACTIONS)[number];

export const RECURRENCES = ['monthly', 'quarterly'] as const;
export type Recurrence = (typeof RECURRENCES)[number];

export type CampaignStatus = 'active' | 'completed';

/**
 * An access review campaign: who is in scope, what of their access is
 * reviewed, who decides, by when. Its items are snapshotted when it starts;
 * once completed, nothing of it changes (ADR 0012).
 */
@Entity({ tableName: 'access_reviews' })
export class AccessReview extends OrganizationOwnedEntity<
  | 'status'
  | 'scopeId'
  | 'useManagers'
  | 'reviewerUserIds'
  | 'reviewerGroupId'
  | 'reviewerIds'
  | 'remindDaysBefore'
  | 'overdueAction'
  | 'recurrence'
  | 'createdById'
  | 'createdByUsername'
  | 'startedAt'
  | 'remindedAt'
  | 'escalatedAt'
  | 'completedAt'
  | 'reportSha256'
> {
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Enum({ items: ['active', 'completed'] })
  status: CampaignStatus = 'active';

  @Enum({ items: [...REVIEW_SCOPES] })
  scopeType!: ReviewScope;

  /** The role key, group id or application id of a `role`, `group` or `application` scope. */
  @Property({ type: 'string', length: 100, nullable: true })
  scopeId: string | null = null;

  @Property({ type: 'string[]', columnType: 'text[]' })
  reviewing!: ReviewedAccess[];

  /** Each user's manager (SCIM enterprise `manager`) reviews them, where one is known. */
  @Property({ type: 'boolean' })
  useManagers = true;

  /** Named reviewers: for everyone without a manager (or everyone, without `useManagers`). */
  @Property({ type: 'uuid[]', columnType: 'uuid[]' })
  reviewerUserIds: string[] = [];

  /** A group whose members (at the start) review alongside the named reviewers. */
  @Property({ type: 'uuid', nullable: true })
  reviewerGroupId: string | null = null;

  /** Everyone who reviews at least one item: what the `assigned` scope of the matrix matches. */
  @Property({ type: 'uuid[]', columnType: 'uuid[]' })
  reviewerIds: string[] = [];

  @Property({ type: 'Date', columnType: 'timestamptz' })
  dueAt!: Date;

  @Property({ type: 'integer' })
  remindDaysBefore = 3;

  /** What happens to undecided items once the due date passes. */
  @Enum({ items: [...OVERDUE_ACTIONS] })
  overdueAction: OverdueAction = 'leave';

  @Enum({ items: [...RECURRENCES], nullable: true })
  recurrence: Recurrence | null = null;

  /** The first campaign of a recurring series (its own id when it is the first). */
  @Property({ type: 'uuid' })
  seriesId!: string;

  @Property({ type: 'uuid', nullable: true })
  createdById: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  createdByUsername: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  startedAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  remindedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  escalatedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  completedAt: Date | null = null;

  /** SHA-256 of the completed campaign's JSON report, as recorded in the audit trail. */
  @Property({ type: 'string', length: 64, nullable: true })
  reportSha256: string | null = null;
}
