import { Entity, Enum, Property } from '@mikro-orm/core';
import { OrganizationOwnedEntity } from '../../infra/database/organization-owned.entity';

export const ITEM_KINDS = ['role', 'group', 'application', 'apiKey'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const DECISIONS = ['keep', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];

/** What a decision did: `alreadyRemoved` when the access was gone before the revoke. */
export type ItemOutcome = 'kept' | 'revoked' | 'alreadyRemoved';

/** One piece of access under review, as it stood when the campaign started. */
@Entity({ tableName: 'access_review_items' })
export class AccessReviewItem extends OrganizationOwnedEntity<
  | 'displayName'
  | 'email'
  | 'grantedAt'
  | 'grantedById'
  | 'grantedByUsername'
  | 'lastLoginAt'
  | 'lastActivityAt'
  | 'decision'
  | 'comment'
  | 'decidedAt'
  | 'decidedByType'
  | 'decidedById'
  | 'decidedByUsername'
  | 'outcome'
> {
  @Property({ type: 'uuid' })
  campaignId!: string;

  /** Whose access this is. */
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 254 })
  username!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  displayName: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  @Property({ type: 'string', length: 16 })
  userStatus!: string;

  @Enum({ items: [...ITEM_KINDS] })
  kind!: ItemKind;

  /** The role key, group id, application id or API key id. */
  @Property({ type: 'string', length: 100 })
  resourceId!: string;

  @Property({ type: 'string', length: 200 })
  resourceName!: string;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  grantedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  grantedById: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  grantedByUsername: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastLoginAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  lastActivityAt: Date | null = null;

  /** Who may decide it (never the user themselves); runners of the campaign may too. */
  @Property({ type: 'uuid[]', columnType: 'uuid[]' })
  reviewerIds!: string[];

  @Enum({ items: [...DECISIONS], nullable: true })
  decision: Decision | null = null;

  @Property({ type: 'string', length: 1000, nullable: true })
  comment: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  decidedAt: Date | null = null;

  /** `user`, `apiKey`, or `system` for an overdue item revoked by the campaign's own rule. */
  @Property({ type: 'string', length: 16, nullable: true })
  decidedByType: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  decidedById: string | null = null;

  @Property({ type: 'string', length: 254, nullable: true })
  decidedByUsername: string | null = null;

  @Property({ type: 'string', length: 16, nullable: true })
  outcome: ItemOutcome | null = null;
}
