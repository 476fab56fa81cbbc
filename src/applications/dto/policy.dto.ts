import { ApiProperty, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import type { Policy, PolicyEffect } from '../entities/policy.entity';
import { CursorPage } from '../../common/pagination/page.dto';

/** An application's own verbs ("read", "deploy", "invoices:approve"), or `*` for every action. */
export const POLICY_ACTION_PATTERN = /^(\*|[A-Za-z][A-Za-z0-9_.:-]{0,99})$/;
/** A role key, or `*` for every member of the organization. */
const POLICY_ROLE_PATTERN = /^(\*|[a-z][a-z0-9_]{1,49})$/;

const ACTIONS_SCHEMA = {
  type: 'array',
  items: { type: 'string', maxLength: 100, pattern: POLICY_ACTION_PATTERN.source },
  minItems: 1,
  maxItems: 50,
} as const;
const UUIDS_SCHEMA = {
  type: 'array',
  items: { type: 'string', format: 'uuid', maxLength: 36 },
  maxItems: 500,
} as const;
const ROLES_SCHEMA = {
  type: 'array',
  items: { type: 'string', maxLength: 50, pattern: POLICY_ROLE_PATTERN.source },
  maxItems: 50,
} as const;

export class CreatePolicyDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsIn(['allow', 'deny'])
  @ApiProperty({ enum: ['allow', 'deny'] })
  effect!: PolicyEffect;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(POLICY_ACTION_PATTERN, { each: true })
  @ApiProperty(ACTIONS_SCHEMA)
  actions!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  @ApiProperty({ ...UUIDS_SCHEMA, required: false })
  users?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  @ApiProperty({ ...UUIDS_SCHEMA, required: false })
  groups?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(POLICY_ROLE_PATTERN, { each: true })
  @ApiProperty({ ...ROLES_SCHEMA, required: false })
  roles?: string[];
}

/** Any field of a policy; the validation is CreatePolicyDto's, every field optional. `description: null` clears it. */
export class UpdatePolicyDto extends PartialType(OmitType(CreatePolicyDto, ['description'])) {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @ApiProperty({ type: String, nullable: true, maxLength: 500, required: false })
  description?: string | null;
}

export class PolicyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) applicationId!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 500 }) description!: string | null;
  @ApiProperty({ enum: ['allow', 'deny'] }) effect!: PolicyEffect;
  @ApiProperty(ACTIONS_SCHEMA) actions!: string[];
  @ApiProperty(UUIDS_SCHEMA) users!: string[];
  @ApiProperty(UUIDS_SCHEMA) groups!: string[];
  @ApiProperty(ROLES_SCHEMA) roles!: string[];
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) createdById!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(policy: Policy): PolicyResponseDto {
    return {
      id: policy.id,
      applicationId: policy.applicationId,
      name: policy.name,
      description: policy.description,
      effect: policy.effect,
      actions: [...policy.actions],
      users: [...policy.userIds],
      groups: [...policy.groupIds],
      roles: [...policy.roles],
      createdById: policy.createdById,
      createdAt: policy.createdAt.toISOString(),
      updatedAt: policy.updatedAt.toISOString(),
    };
  }
}

export class PolicyListDto extends CursorPage(PolicyResponseDto) {}
