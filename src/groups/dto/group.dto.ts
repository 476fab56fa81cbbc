import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import type { Group } from '../../directory/groups/group.entity';
import { ROLE_KEY_PATTERN } from '../../authz/vocabulary';
import { CursorPage } from '../../common/pagination/page.dto';

export class CreateGroupDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** Roles every member inherits (no role beyond the caller's own permissions). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 50 },
    maxItems: 50,
    required: false,
  })
  roles?: string[];
}

export class UpdateGroupDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 50 },
    maxItems: 50,
    required: false,
  })
  roles?: string[];
}

export class AddMembersDto {
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
}

export class GroupResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 500 }) description!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles!: string[];
  @ApiProperty({ minimum: 0 }) memberCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(group: Group, memberCount: number): GroupResponseDto {
    return {
      id: group.id,
      name: group.name,
      description: group.description,
      roles: [...group.roles],
      memberCount,
      createdAt: group.createdAt.toISOString(),
    };
  }
}

export class GroupListDto extends CursorPage(GroupResponseDto) {}
