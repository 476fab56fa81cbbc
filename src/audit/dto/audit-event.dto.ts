import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { AuditEvent } from '../entities/audit-event.entity';
import { IsId } from '../../common/validation/is-id';

/** The filters shared by the list and the export. */
export class AuditFiltersQueryDto {
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) from?: string;
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) to?: string;
  @IsOptional() @IsId() actorId?: string;
  /** Exact (`user.created`) or a prefix ending in a dot (`user.`). */
  @IsOptional() @MaxLength(100) @Matches(/^[A-Za-z.]+$/) action?: string;
  @IsOptional() @MaxLength(50) @IsString() targetType?: string;
  @IsOptional() @MaxLength(100) @IsString() targetId?: string;
  @IsOptional() @IsIn(['success', 'failure']) outcome?: 'success' | 'failure';
}

export class ListAuditEventsQueryDto extends AuditFiltersQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional()
  @MaxLength(40)
  @Matches(/^\d+$/, { message: 'cursor is not a cursor this API gave out' })
  cursor?: string;
}

export class ExportAuditEventsQueryDto extends AuditFiltersQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'ndjson', 'json'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv', 'ndjson', 'json'])
  format?: 'csv' | 'ndjson' | 'json';
}

export class VerifyAuditQueryDto {
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) from?: string;
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) to?: string;
}

export class FirstInvalidDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 40 }) seq!: string;
  @ApiProperty({ enum: ['altered', 'missing predecessor', 'broken link', 'inserted'] })
  reason!: string;
}

export class VerificationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ minimum: 0 }) checked!: number;
  @ApiPropertyOptional({ type: FirstInvalidDto }) firstInvalid?: FirstInvalidDto;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'apiKey', 'system', 'anonymous'] }) type!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 254 }) username?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 254 }) email?: string | null;
}

export class AuditTargetDto {
  @ApiProperty({ type: String, nullable: true, maxLength: 50 }) type!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 100 }) id!: string | null;
}

export class AuditEventResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ maxLength: 100 }) action!: string;
  @ApiProperty({ type: AuditTargetDto }) target!: AuditTargetDto;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 }) reason!: string | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  changes!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 64 }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 512 }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 128 }) requestId!: string | null;

  static from(event: AuditEvent): AuditEventResponseDto {
    return {
      id: event.id,
      occurredAt: event.occurredAt.toISOString(),
      actor: {
        type: event.actorType,
        id: event.actorId,
        username: event.actorUsername,
        email: event.actorEmail,
      },
      action: event.action,
      target: { type: event.targetType, id: event.targetId },
      outcome: event.outcome,
      reason: event.reason,
      changes: event.changes,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
    };
  }
}

export class AuditEventListDto {
  @ApiProperty({ type: [AuditEventResponseDto], maxItems: 200 }) items!: AuditEventResponseDto[];
  @ApiProperty({ type: String, nullable: true, maxLength: 40 }) nextCursor!: string | null;
}
