import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { Organization } from '../../tenancy/organization.entity';
import { effectiveSettings } from '../../tenancy/organization-settings';

export class OrganizationSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() allowRegistration?: boolean;
  /** Never below 6 (ASVS 6.2.1). */
  @ApiPropertyOptional({ minimum: 6, maximum: 128 })
  @IsOptional()
  @IsInt()
  @Min(6)
  @Max(128)
  passwordMinLength?: number;
  @ApiPropertyOptional({ minimum: 60, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86_400)
  accessTokenTtlSeconds?: number;
  @ApiPropertyOptional({ minimum: 300, maximum: 31536000 })
  @IsOptional()
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  sessionIdleTtlSeconds?: number;
  @ApiPropertyOptional({ minimum: 300, maximum: 31536000 })
  @IsOptional()
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  sessionAbsoluteTtlSeconds?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  auditRetentionDays?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() ssoEnforced?: boolean;
  /** Who must use a second factor at password sign-in: off, admins (every role above User), everyone. */
  @ApiPropertyOptional({ enum: ['off', 'admins', 'everyone'] })
  @IsOptional()
  @IsIn(['off', 'admins', 'everyone'])
  mfaRequired?: 'off' | 'admins' | 'everyone';
  /** People may sign in with a registered passkey alone (POST /auth/passkey/options, /auth/passkey/verify). */
  @ApiPropertyOptional() @IsOptional() @IsBoolean() passkeySignIn?: boolean;
  /** SSO sign-ins also go through Warden's second factor and mfaRequired (default: the IdP owns MFA). */
  @ApiPropertyOptional() @IsOptional() @IsBoolean() mfaForSso?: boolean;
}

export class UpdateOrganizationDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => OrganizationSettingsDto)
  settings?: OrganizationSettingsDto;
}

export class OrganizationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 63 }) slug!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
  /** Every setting with its effective value (defaults filled in). */
  @ApiProperty({ type: OrganizationSettingsDto }) settings!: OrganizationSettingsDto;

  static from(organization: Organization): OrganizationResponseDto {
    return {
      id: organization.id,
      slug: organization.slug,
      name: organization.name,
      settings: effectiveSettings(organization.settings),
    };
  }
}
