import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { UserResponseDto } from '../../directory/users/user-response.dto';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../authz/vocabulary';

export class LoginDto {
  /** The organization's slug. */
  @IsString()
  @Length(1, 63)
  organization!: string;

  /** Username or email, ignoring case. */
  @IsString()
  @Length(1, 254)
  login!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class RefreshDto {
  @IsString()
  @Length(1, 200)
  refreshToken!: string;
}

export class RegisterDto {
  @IsString()
  @Length(1, 63)
  organization!: string;

  @MaxLength(254)
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username!: string;

  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class UpdateMeDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;
}

export class ChangePasswordDto {
  @IsString()
  @MaxLength(1024)
  currentPassword!: string;

  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT access token (HS256, typ at+jwt).', maxLength: 4096 })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque refresh token; works once.', maxLength: 200 })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({
    description: 'Seconds until the access token expires.',
    minimum: 1,
    maximum: 86400,
  })
  expiresIn!: number;

  @ApiProperty({ format: 'uuid' })
  sessionId!: string;

  /**
   * The organization requires a second factor and this person has none: the
   * session may only enrol one (POST /me/mfa/totp); it gets the person's
   * roles once a factor is confirmed.
   */
  @ApiPropertyOptional({ enum: [true] })
  mfaEnrolmentRequired?: true;
}

export class RegisteredResponseDto extends TokenResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;
}

/** A password sign-in that needs a second factor: no tokens yet, a challenge for POST /auth/mfa/verify. */
export class MfaChallengeResponseDto {
  @ApiProperty({ enum: [true] })
  mfaRequired!: true;

  @ApiProperty({
    description: 'Send it to POST /api/v1/auth/mfa/verify with a code; works once, for 5 minutes.',
    maxLength: 100,
  })
  challengeToken!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['totp', 'webauthn', 'recovery_code'] },
    maxItems: 2,
  })
  methods!: Array<'totp' | 'webauthn' | 'recovery_code'>;

  @ApiProperty({ minimum: 1, maximum: 300 })
  expiresIn!: number;
}

export class MfaVerifyDto {
  @IsString()
  @Length(20, 100)
  challengeToken!: string;

  /** A current 6-digit code from the authenticator app. */
  @IsOptional()
  @MaxLength(6)
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;

  /** The browser's answer to navigator.credentials.get() (AuthenticationResponseJSON). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  webauthn?: Record<string, unknown>;

  /** One of the recovery codes shown at enrolment (works once). */
  @IsOptional()
  @IsString()
  @Length(10, 20)
  recoveryCode?: string;
}

export class MfaChallengeTokenDto {
  @IsString()
  @Length(20, 100)
  challengeToken!: string;
}

export class PasskeyOptionsDto {
  /** The organization's slug. */
  @IsString()
  @Length(1, 63)
  organization!: string;
}

export class PasskeySignInDto {
  @IsString()
  @Length(1, 63)
  organization!: string;

  /** From POST /auth/passkey/options; works once, for 5 minutes. */
  @IsString()
  @Length(20, 100)
  ceremonyToken!: string;

  /** The browser's answer to navigator.credentials.get() (AuthenticationResponseJSON). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  webauthn!: Record<string, unknown>;
}

/** One CASL rule as the ability holds it (conditions already bound to the caller). */
export class AbilityRuleDto {
  @ApiProperty({
    oneOf: [
      { type: 'string', maxLength: 50 },
      { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 20 },
    ],
  })
  action!: string | string[];

  @ApiProperty({
    oneOf: [
      { type: 'string', maxLength: 50 },
      { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 20 },
    ],
  })
  subject!: string | string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  conditions?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50 })
  fields?: string | string[];

  @ApiPropertyOptional()
  inverted?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  reason?: string;
}

class MfaFactorSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['totp', 'webauthn'] }) type!: 'totp' | 'webauthn';
  @ApiProperty({ maxLength: 100 }) name!: string;
}

class MeMfaDto {
  @ApiProperty() enrolled!: boolean;
  @ApiProperty({ type: [MfaFactorSummaryDto], maxItems: 20 }) factors!: MfaFactorSummaryDto[];
}

class MeOrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 63 }) slug!: string;
  @ApiProperty({ maxLength: 200 }) name!: string;
}

export class MeResponseDto {
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
  @ApiProperty({ type: MeMfaDto }) mfa!: MeMfaDto;
  @ApiProperty({ type: MeOrganizationDto }) organization!: MeOrganizationDto;
  @ApiProperty({
    description: 'Role keys in effect: held directly or through a group.',
    type: 'array',
    items: { type: 'string', maxLength: 64 },
    maxItems: 100,
  })
  roles!: string[];
  @ApiProperty({
    description: 'Ids of the groups the caller belongs to.',
    type: 'array',
    items: { type: 'string', format: 'uuid' },
    maxItems: 1000,
  })
  groups!: string[];
  @ApiProperty({
    description:
      'The caller’s effective permissions as CASL rules: a client evaluates them to show only what the caller may do; the API stays the authority.',
    type: [AbilityRuleDto],
    maxItems: 1000,
  })
  permissions!: AbilityRuleDto[];
}
