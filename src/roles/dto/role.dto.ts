import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ACTIONS, SUBJECTS, ROLE_KEY_PATTERN } from '../../authz/vocabulary';

export class PermissionDto {
  @ApiProperty({ enum: [...ACTIONS, 'manage'] })
  @IsIn([...ACTIONS, 'manage'])
  action!: (typeof ACTIONS)[number] | 'manage';

  @ApiProperty({ enum: SUBJECTS })
  @IsIn(SUBJECTS)
  subject!: (typeof SUBJECTS)[number];

  @ApiPropertyOptional({ enum: ['all', 'own', 'assigned'] })
  @IsOptional()
  @IsIn(['all', 'own', 'assigned'])
  scope?: 'all' | 'own' | 'assigned';

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  fields?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  conditions?: Record<string, unknown>;
}

export class CreateRoleDto {
  /** Lower-case key, unique in the organization; built-in keys are taken. */
  @MaxLength(50)
  @Matches(ROLE_KEY_PATTERN, {
    message: 'key must be 2-50 lower-case letters, digits or "_", starting with a letter',
  })
  key!: string;

  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;

  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => PermissionDto)
  permissions!: PermissionDto[];
}

export class UpdateRoleDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => PermissionDto)
  permissions?: PermissionDto[];
}

export class RoleResponseDto {
  @ApiProperty({ maxLength: 50 }) key!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 500 }) description!: string | null;
  @ApiProperty() builtIn!: boolean;
  @ApiProperty({ type: [PermissionDto], maxItems: 200 }) permissions!: PermissionDto[];
}

export class RoleListItemDto extends RoleResponseDto {
  @ApiProperty({
    description:
      'Whether the caller may grant this role: assign on it, and every one of its permissions their own.',
  })
  grantable!: boolean;
}

/** One row of the built-in roles' matrix: an action on a subject, and what each role holds. */
export class MatrixRowDto {
  @ApiProperty({ enum: SUBJECTS }) subject!: (typeof SUBJECTS)[number];
  @ApiProperty({ enum: ACTIONS }) action!: (typeof ACTIONS)[number];
  @ApiProperty({
    description:
      'Per built-in role key: Y, own, assigned or -, with a field limit in brackets (as docs/permissions.md).',
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 200 },
  })
  cells!: Record<string, string>;
}
