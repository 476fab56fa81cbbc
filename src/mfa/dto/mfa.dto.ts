import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { MfaFactor } from '../entities/mfa-factor.entity';

export class MfaFactorDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['totp', 'webauthn'] }) type!: 'totp' | 'webauthn';
  @ApiProperty({ maxLength: 100 }) name!: string;
  /** False until enrolment is confirmed with a code; only confirmed factors count at sign-in. */
  @ApiProperty() confirmed!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastUsedAt!: string | null;

  static from(factor: MfaFactor): MfaFactorDto {
    return {
      id: factor.id,
      type: factor.type,
      name: factor.name,
      confirmed: factor.confirmedAt !== null,
      createdAt: factor.createdAt.toISOString(),
      lastUsedAt: factor.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class MfaFactorListDto {
  @ApiProperty({ type: [MfaFactorDto], maxItems: 20 }) factors!: MfaFactorDto[];
  @ApiProperty({ minimum: 0, maximum: 10 }) recoveryCodesLeft!: number;
}

export class EnrolTotpDto {
  /** A label for the authenticator ("Phone"). */
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ type: MfaFactorDto }) factor!: MfaFactorDto;
  /** Base32 secret for manual entry; shown only in this answer. */
  @ApiProperty({ maxLength: 64 }) secret!: string;
  /** otpauth:// URI for a QR code; shown only in this answer. */
  @ApiProperty({ maxLength: 500 }) otpauthUri!: string;
}

export class MfaCodeDto {
  /** A current 6-digit code from the authenticator. */
  @MaxLength(6)
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code!: string;
}

export class MfaProofDto {
  /** A current code; without one, the session must be less than five minutes old. */
  @IsOptional()
  @MaxLength(6)
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code?: string;
}

export class MfaConfirmedDto {
  @ApiProperty({ type: MfaFactorDto }) factor!: MfaFactorDto;
  /** Ten single-use codes, shown only here, with the first confirmed factor (null after that). */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 20 },
    maxItems: 10,
    nullable: true,
  })
  recoveryCodes!: string[] | null;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 10 })
  recoveryCodes!: string[];
}

export class RegisterPasskeyDto {
  /** A label for the passkey ("Laptop"). */
  @IsString()
  @Length(1, 100)
  name!: string;

  /** The browser's answer to navigator.credentials.create() (RegistrationResponseJSON). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  response!: Record<string, unknown>;
}
