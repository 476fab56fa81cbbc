import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { ProblemDocumentDto } from '../../common/problem/problem-document.dto';
import { ROLE_KEY_PATTERN, USERNAME_PATTERN, USERNAME_RULE } from '../../authz/vocabulary';
import { PageQueryDto } from '../../common/pagination/page.dto';

export class CreateUserDto {
  /** 3-50 letters, digits, ".", "_" or "-", or an email address; unique in the organization, ignoring case. */
  @MaxLength(254)
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
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
  @IsUUID('all', { each: true })
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

export const USER_SORTS = [
  'createdAt',
  '-createdAt',
  'username',
  '-username',
  'lastLoginAt',
  '-lastLoginAt',
] as const;
export type UserSort = (typeof USER_SORTS)[number];

export class ListUsersQueryDto extends PageQueryDto {
  /** Text in the username, email or display name (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @IsOptional()
  @MaxLength(50)
  @Matches(ROLE_KEY_PATTERN)
  role?: string;

  @IsOptional()
  @IsIn(['active', 'inactive'])
  status?: 'active' | 'inactive';

  @IsOptional()
  @IsUUID('all')
  groupId?: string;

  /** Only people with (true) or without (false) a confirmed second factor. */
  @IsOptional()
  @IsIn(['true', 'false'])
  hasMfa?: 'true' | 'false';

  @IsOptional()
  @IsIn(USER_SORTS)
  sort?: UserSort;
}

export class UpdateUserDto {
  @IsOptional()
  @MaxLength(254)
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username?: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  @IsOptional()
  @IsIn(['active', 'inactive'])
  status?: 'active' | 'inactive';
}

export class ResetPasswordDto {
  @IsString()
  @MaxLength(1024)
  password!: string;

  /** Also end every session of the user (default true). */
  @IsOptional()
  @IsBoolean()
  revokeSessions?: boolean;
}

/** A failed id's problem: the RFC 9457 members the single-user call would have answered. */
export class BulkProblemDto extends PickType(ProblemDocumentDto, [
  'type',
  'title',
  'status',
  'detail',
] as const) {}

export const BULK_ACTIONS = [
  'activate',
  'deactivate',
  'delete',
  'addRole',
  'removeRole',
  'addToGroup',
] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export class BulkUsersDto {
  @IsIn(BULK_ACTIONS)
  action!: BulkAction;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    minItems: 1,
    maxItems: 500,
  })
  userIds!: string[];

  /** For addRole and removeRole. */
  @IsOptional()
  @MaxLength(50)
  @Matches(ROLE_KEY_PATTERN)
  role?: string;

  /** For addToGroup. */
  @IsOptional()
  @IsUUID('all')
  groupId?: string;
}

export class BulkResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() ok!: boolean;
  /** Why this id failed, as the single-user operation would have answered it. */
  @ApiPropertyOptional({ type: BulkProblemDto }) problem?: BulkProblemDto;
}

export class BulkResponseDto {
  @ApiProperty({ type: [BulkResultDto], maxItems: 500 }) results!: BulkResultDto[];
}

export class DeleteUserQueryDto {
  /** Who receives what the deleted user owns (applications, once they exist). */
  @IsOptional()
  @IsUUID('all')
  transferOwnershipTo?: string;
}
