import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { OrganizationResponseDto } from '../../organizations/dto/organization.dto';
import { UserResponseDto } from '../../directory/users/user-response.dto';
import { TokenResponseDto } from './auth.dto';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../authz/vocabulary';

export class SignupOwnerDto {
  @MaxLength(254)
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username!: string;

  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;
}

export class SignupDto {
  /** Lower-case letters, digits and "-"; what members type to sign in. */
  @MaxLength(63)
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: 'slug must be lower-case letters, digits and "-" (at most 63)',
  })
  slug!: string;

  @IsString()
  @Length(1, 200)
  name!: string;

  @ValidateNested()
  @Type(() => SignupOwnerDto)
  owner!: SignupOwnerDto;
}

export class SignupResponseDto {
  @ApiProperty({ type: OrganizationResponseDto }) organization!: OrganizationResponseDto;
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
  @ApiProperty({ type: TokenResponseDto }) tokens!: TokenResponseDto;
}
