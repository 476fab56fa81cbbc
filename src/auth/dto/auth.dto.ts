import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
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
}

export class RegisteredResponseDto extends TokenResponseDto {
  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;
}
