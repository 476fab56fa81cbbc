import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import type { User } from '../entities/user.entity';

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,50}$/;
export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9_]{1,49}$/;

export class CreateUserDto {
  /** 3-50 letters, digits, ".", "_" or "-"; unique in the organization, ignoring case. */
  @MaxLength(50)
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-50 letters, digits, ".", "_" or "-"' })
  username!: string;

  /** Required unless the user's only role is User. */
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  /** The initial password, under the organization's password policy. */
  @IsString()
  @MaxLength(1024)
  password!: string;

  /** Role keys (built-in or custom); defaults to ["user"]. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  roles?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('4', { each: true })
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    maxItems: 100,
  })
  groupIds?: string[];

  @IsOptional()
  @IsIn(['active', 'inactive'])
  status?: 'active' | 'inactive';
}

export class SetRolesDto {
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  roles!: string[];
}

export class GroupRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 100 })
  name!: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 50 })
  username!: string;

  @ApiProperty({ type: String, nullable: true, format: 'email', maxLength: 254 })
  email!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 200 })
  displayName!: string | null;

  @ApiProperty({ enum: ['active', 'inactive'] })
  status!: 'active' | 'inactive';

  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles!: string[];

  @ApiProperty({ type: [GroupRefDto], maxItems: 1000 })
  groups!: GroupRefDto[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time' })
  lastLoginAt!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64 })
  lastLoginIp!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time' })
  lastActivityAt!: string | null;

  static from(user: User): UserResponseDto {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      status: user.status,
      roles: [...user.roles],
      groups: [],
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      lastLoginIp: user.lastLoginIp,
      lastActivityAt: user.lastActivityAt?.toISOString() ?? null,
    };
  }
}
