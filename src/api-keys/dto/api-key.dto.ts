import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import type { ApiKey } from '../entities/api-key.entity';
import { ROLE_KEY_PATTERN } from '../../authz/vocabulary';
import { CursorPage } from '../../common/pagination/page.dto';

export class CreateApiKeyDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  /** `personal` (acts as you, the default) or `system` (an organization key: no user, its own roles). */
  @IsOptional()
  @IsIn(['personal', 'system'])
  type?: 'personal' | 'system';

  /** SCIM provisioning; only for system keys. */
  @IsOptional()
  @IsBoolean()
  scim?: boolean;

  /** Narrow the key to these roles (each must be one you could grant); omitted = all your permissions. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles?: string[];

  @IsOptional()
  @IsDateString({ strict: true })
  @MaxLength(35)
  expiresAt?: string;
}

export class ListApiKeysQueryDto {
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @IsOptional()
  @IsIn(['personal', 'system'])
  type?: 'personal' | 'system';
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ enum: ['personal', 'system'] }) type!: 'personal' | 'system';
  @ApiProperty({ maxLength: 32, description: 'The visible start of the key, to recognise it.' })
  prefix!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) userId!: string | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 50 },
    maxItems: 50,
    nullable: true,
  })
  roles!: string[] | null;
  @ApiProperty() scim!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 64 }) lastUsedIp!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;

  static from(key: ApiKey): ApiKeyResponseDto {
    return {
      id: key.id,
      name: key.name,
      type: key.type,
      prefix: key.prefix,
      userId: key.userId,
      roles: key.roles,
      scim: key.scim,
      createdAt: key.createdAt.toISOString(),
      expiresAt: key.expiresAt?.toISOString() ?? null,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
      lastUsedIp: key.lastUsedIp,
      revokedAt: key.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyResponseDto {
  /** The secret. Shown only in this response: store it now. */
  @ApiProperty({ maxLength: 100 }) key!: string;
}

export class ApiKeyListDto extends CursorPage(ApiKeyResponseDto) {}
