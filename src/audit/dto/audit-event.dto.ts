import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { AuditEvent } from '../entities/audit-event.entity';
import { CursorPage } from '../../common/pagination/page.dto';

/** The filters shared by the list and the export. */
export class AuditFiltersQueryDto {
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) from?: string;
  @IsOptional() @IsDateString({ strict: true }) @MaxLength(35) to?: string;
  @IsOptional() @IsUUID('all') actorId?: string;
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

export class ListCheckpointsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional()
  @MaxLength(40)
  @Matches(/^\d+$/, { message: 'cursor is not a cursor this API gave out' })
  cursor?: string;
}

/**
 * A signed statement that the organization's chain reached `seq` with hash
 * `head` at `at`. Keep it (with the public key) outside Warden: with an export
 * it proves the history up to `seq` was not rewritten since.
 */
export class CheckpointDto {
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ maxLength: 40 }) seq!: string;
  @ApiProperty({ maxLength: 64, description: 'The hash of the event at seq' }) head!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ maxLength: 64, description: 'The signing key (the JWK kid)' }) keyId!: string;
  @ApiProperty({
    maxLength: 200,
    description: 'Ed25519 over the canonical JSON of the other members, base64url',
  })
  signature!: string;
}

export class CheckpointListDto extends CursorPage(CheckpointDto) {}

/** The checkpoint signing key, as a JSON Web Key (RFC 8037, Ed25519). */
export class SigningKeyDto {
  @ApiProperty({ enum: ['OKP'] }) kty!: 'OKP';
  @ApiProperty({ enum: ['Ed25519'] }) crv!: 'Ed25519';
  @ApiProperty({ maxLength: 100 }) x!: string;
  @ApiProperty({ maxLength: 64 }) kid!: string;
  @ApiProperty({ enum: ['EdDSA'] }) alg!: 'EdDSA';
  @ApiProperty({ enum: ['sig'] }) use!: 'sig';
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
  /** Null when the first bad place is a missing event (a truncated tail). */
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id!: string | null;
  @ApiProperty({ maxLength: 40 }) seq!: string;
  @ApiProperty({
    enum: [
      'altered',
      'missing predecessor',
      'broken link',
      'inserted',
      'unkeyed after keyed',
      'unknown key',
      'truncated',
      'diverges from signed checkpoint',
      'forged checkpoint',
    ],
  })
  reason!: string;
}

export class ReachedCheckpointDto {
  @ApiProperty({ maxLength: 40 }) seq!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class VerificationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ minimum: 0 }) checked!: number;
  @ApiPropertyOptional({ type: FirstInvalidDto }) firstInvalid?: FirstInvalidDto;
  /**
   * The latest signed checkpoint the verified events reach; null when none
   * does (nothing outside the database vouches for this history yet).
   */
  @ApiProperty({ type: ReachedCheckpointDto, nullable: true })
  checkpoint!: ReachedCheckpointDto | null;
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

export class AuditEventListDto extends CursorPage(AuditEventResponseDto) {}
