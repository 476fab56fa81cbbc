import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CursorPage, PageQueryDto } from '../../common/pagination/page.dto';
import { BulkProblemDto } from '../../users/dto/user.dto';
import {
  type AccessReview,
  OVERDUE_ACTIONS,
  type OverdueAction,
  RECURRENCES,
  type Recurrence,
  REVIEW_SCOPES,
  REVIEWED_ACCESS,
  type ReviewedAccess,
  type ReviewScope,
} from '../entities/access-review.entity';
import {
  type AccessReviewItem,
  DECISIONS,
  type Decision,
  ITEM_KINDS,
  type ItemKind,
} from '../entities/access-review-item.entity';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export class ReviewScopeDto {
  /** Who is reviewed: everyone, a role's holders, a group's members, an application's assignees, or holders of any role above the baseline. */
  @IsIn([...REVIEW_SCOPES])
  @ApiProperty({ enum: REVIEW_SCOPES })
  type!: ReviewScope;

  /** The role key (`role`), group id (`group`) or application id (`application`). */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  id?: string;
}

export class ReviewersDto {
  /** Each user's manager (SCIM enterprise `manager`) reviews them where one is known (default true). */
  @IsOptional()
  @IsBoolean()
  managers?: boolean;

  /** Review everyone without a manager (or everyone, with `managers: false`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 100 })
  userIds?: string[];

  /** Its members (as the campaign starts) review alongside the named reviewers. */
  @IsOptional()
  @IsUUID('all')
  groupId?: string;
}

export class CreateAccessReviewDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @ValidateNested()
  @Type(() => ReviewScopeDto)
  scope!: ReviewScopeDto;

  /** What of each user's access is reviewed. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REVIEWED_ACCESS.length)
  @ArrayUnique()
  @IsIn([...REVIEWED_ACCESS], { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...REVIEWED_ACCESS] },
    maxItems: REVIEWED_ACCESS.length,
  })
  reviewing!: ReviewedAccess[];

  @ValidateNested()
  @Type(() => ReviewersDto)
  reviewers!: ReviewersDto;

  /** When every item should be decided (in the future). */
  @IsDateString({ strict: true })
  @MaxLength(35)
  dueAt!: string;

  /** Reviewers get a reminder this many days before the due date (default 3; 0 = none before it). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365)
  remindDaysBefore?: number;

  /** What happens to undecided items after the due date: revoked by the campaign, or left for an admin (default). */
  @IsOptional()
  @IsIn([...OVERDUE_ACTIONS])
  @ApiPropertyOptional({ enum: OVERDUE_ACTIONS })
  overdueAction?: OverdueAction;

  /** Start the same campaign again every month or quarter. */
  @IsOptional()
  @IsIn([...RECURRENCES])
  @ApiPropertyOptional({ enum: RECURRENCES })
  recurrence?: Recurrence;
}

export class UpdateAccessReviewDto {
  /** A new due date for an active campaign. */
  @IsOptional()
  @IsDateString({ strict: true })
  @MaxLength(35)
  dueAt?: string;

  /** Change or stop (`null`) the recurrence of this campaign's series (on the series' latest campaign only). */
  @IsOptional()
  @IsIn([...RECURRENCES])
  @ApiPropertyOptional({ enum: RECURRENCES, nullable: true })
  recurrence?: Recurrence | null;
}

export class ListAccessReviewsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(['active', 'completed'])
  @ApiPropertyOptional({ enum: ['active', 'completed'] })
  status?: 'active' | 'completed';
}

export class ListReviewItemsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsUUID('all')
  campaignId?: string;

  /** `open` (undecided), `decided`, or both (omitted). */
  @IsOptional()
  @IsIn(['open', 'decided'])
  @ApiPropertyOptional({ enum: ['open', 'decided'] })
  status?: 'open' | 'decided';

  @IsOptional()
  @IsIn([...ITEM_KINDS])
  @ApiPropertyOptional({ enum: ITEM_KINDS })
  kind?: ItemKind;

  /** Whose access. */
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  /** Only the items of users with no activity for at least this many days (never active counts). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  inactiveDays?: number;

  /** Only the items the caller reviews (default: every item the caller may see). */
  @IsOptional()
  @IsIn(['me'])
  @ApiPropertyOptional({ enum: ['me'] })
  reviewer?: 'me';
}

export class DecideItemDto {
  @IsIn([...DECISIONS])
  @ApiProperty({ enum: DECISIONS })
  decision!: Decision;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}

export class BulkDecisionDto extends DecideItemDto {
  @IsUUID('all')
  itemId!: string;
}

export class BulkDecideDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => BulkDecisionDto)
  @ApiProperty({ type: [BulkDecisionDto], maxItems: 500 })
  decisions!: BulkDecisionDto[];
}

export class ReportQueryDto {
  @IsOptional()
  @IsIn(['csv', 'json'])
  @ApiPropertyOptional({ enum: ['csv', 'json'] })
  format?: 'csv' | 'json';
}

export class ItemCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty() open!: number;
  @ApiProperty() kept!: number;
  @ApiProperty() revoked!: number;
}

export class AccessReviewResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
  @ApiProperty({ enum: ['active', 'completed'] }) status!: 'active' | 'completed';
  @ApiProperty({ type: ReviewScopeDto }) scope!: { type: ReviewScope; id: string | null };
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...REVIEWED_ACCESS] },
    maxItems: REVIEWED_ACCESS.length,
  })
  reviewing!: ReviewedAccess[];
  @ApiProperty({ type: ReviewersDto })
  reviewers!: { managers: boolean; userIds: string[]; groupId: string | null };
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty() remindDaysBefore!: number;
  @ApiProperty({ enum: OVERDUE_ACTIONS }) overdueAction!: OverdueAction;
  @ApiProperty({ enum: RECURRENCES, nullable: true, type: String }) recurrence!: Recurrence | null;
  /** The first campaign of its recurring series. */
  @ApiProperty({ format: 'uuid' }) seriesId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) createdById!: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) completedAt!: string | null;
  /** SHA-256 of the JSON report, recorded in the audit trail when the campaign completed. */
  @ApiProperty({ type: String, nullable: true, maxLength: 64 }) reportSha256!: string | null;
  @ApiProperty({ type: ItemCountsDto }) items!: ItemCountsDto;

  static from(campaign: AccessReview, items: ItemCountsDto): AccessReviewResponseDto {
    return {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      scope: { type: campaign.scopeType, id: campaign.scopeId },
      reviewing: campaign.reviewing,
      reviewers: {
        managers: campaign.useManagers,
        userIds: campaign.reviewerUserIds,
        groupId: campaign.reviewerGroupId,
      },
      dueAt: campaign.dueAt.toISOString(),
      remindDaysBefore: campaign.remindDaysBefore,
      overdueAction: campaign.overdueAction,
      recurrence: campaign.recurrence,
      seriesId: campaign.seriesId,
      createdById: campaign.createdById,
      startedAt: campaign.startedAt.toISOString(),
      completedAt: iso(campaign.completedAt),
      reportSha256: campaign.reportSha256,
      items,
    };
  }
}

export class AccessReviewListDto extends CursorPage(AccessReviewResponseDto) {}

export class AccessReviewItemResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ maxLength: 254 }) username!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 }) displayName!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 254 }) email!: string | null;
  @ApiProperty({ maxLength: 16 }) userStatus!: string;
  @ApiProperty({ enum: ITEM_KINDS }) kind!: ItemKind;
  /** The role key, group id, application id or API key id. */
  @ApiProperty({ maxLength: 100 }) resourceId!: string;
  @ApiProperty({ maxLength: 200 }) resourceName!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) grantedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) grantedById!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 254 })
  grantedByUsername!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastLoginAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastActivityAt!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 10_000 })
  reviewerIds!: string[];
  @ApiProperty({ enum: DECISIONS, nullable: true, type: String }) decision!: Decision | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 1000 }) comment!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) decidedById!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 254 })
  decidedByUsername!: string | null;
  @ApiProperty({ enum: ['kept', 'revoked', 'alreadyRemoved'], nullable: true, type: String })
  outcome!: 'kept' | 'revoked' | 'alreadyRemoved' | null;

  static from(item: AccessReviewItem): AccessReviewItemResponseDto {
    return {
      id: item.id,
      campaignId: item.campaignId,
      userId: item.userId,
      username: item.username,
      displayName: item.displayName,
      email: item.email,
      userStatus: item.userStatus,
      kind: item.kind,
      resourceId: item.resourceId,
      resourceName: item.resourceName,
      grantedAt: iso(item.grantedAt),
      grantedById: item.grantedById,
      grantedByUsername: item.grantedByUsername,
      lastLoginAt: iso(item.lastLoginAt),
      lastActivityAt: iso(item.lastActivityAt),
      reviewerIds: item.reviewerIds,
      decision: item.decision,
      comment: item.comment,
      decidedAt: iso(item.decidedAt),
      decidedById: item.decidedById,
      decidedByUsername: item.decidedByUsername,
      outcome: item.outcome,
    };
  }
}

export class AccessReviewItemListDto extends CursorPage(AccessReviewItemResponseDto) {}

export class BulkDecisionResultDto {
  @ApiProperty({ format: 'uuid' }) itemId!: string;
  @ApiProperty() ok!: boolean;
  @ApiPropertyOptional({ type: AccessReviewItemResponseDto }) item?: AccessReviewItemResponseDto;
  /** Why this item was not decided, as the single decision would have answered. */
  @ApiPropertyOptional({ type: BulkProblemDto })
  problem?: BulkProblemDto;
}

export class BulkDecideResponseDto {
  @ApiProperty({ type: [BulkDecisionResultDto], maxItems: 500 }) results!: BulkDecisionResultDto[];
}
