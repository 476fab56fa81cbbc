import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  isUUID,
  IsString,
  IsUUID,
  Matches,
  ValidateNested,
} from 'class-validator';
import { POLICY_ACTION_PATTERN } from './policy.dto';

/** The largest batch one call may ask about. */
export const MAX_CHECKS = 100;

export class CheckResourceDto {
  @IsIn(['application'])
  @ApiProperty({ enum: ['application'] })
  type!: 'application';

  @IsUUID('all')
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  id!: string;
}

export class CheckDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid', maxLength: 36 })
  userId!: string;

  /** An application action; `*` is a policy wildcard, not something to ask about. */
  @IsString()
  @Matches(POLICY_ACTION_PATTERN)
  @Matches(/^[^*]+$/, { message: 'action must name one action, not *' })
  @ApiProperty({ maxLength: 100, pattern: '^[A-Za-z][A-Za-z0-9_.:-]{0,99}$' })
  action!: string;

  @ValidateNested()
  @Type(() => CheckResourceDto)
  @ApiProperty({ type: CheckResourceDto })
  resource!: CheckResourceDto;
}

const SINGLE_ACTION = /^[^*]+$/;

/** A plain object (as JSON.parse makes them) with exactly these own keys. */
function hasExactly(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}

function isValidCheck(check: unknown): boolean {
  if (!hasExactly(check, ['userId', 'action', 'resource'])) return false;
  const { userId, action, resource } = check;
  return (
    isUUID(userId, 'all') &&
    typeof action === 'string' &&
    POLICY_ACTION_PATTERN.test(action) &&
    SINGLE_ACTION.test(action) &&
    hasExactly(resource, ['type', 'id']) &&
    resource.type === 'application' &&
    isUUID(resource.id, 'all')
  );
}

export class CheckRequestDto {
  /**
   * The decision endpoint's fast path (StrictValidationPipe): a body that is
   * valid as it stands skips class-transformer and class-validator, which
   * cost more than the 100 decisions themselves; anything else is validated
   * by the decorators below, so problem documents are unchanged.
   */
  static acceptsExactly(value: unknown): boolean {
    if (!hasExactly(value, ['checks'])) return false;
    const { checks } = value;
    return (
      Array.isArray(checks) &&
      checks.length >= 1 &&
      checks.length <= MAX_CHECKS &&
      checks.every(isValidCheck)
    );
  }

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHECKS)
  @ValidateNested({ each: true })
  @Type(() => CheckDto)
  @ApiProperty({ type: [CheckDto], minItems: 1, maxItems: MAX_CHECKS })
  checks!: CheckDto[];
}

export class DecisionDto {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({
    maxLength: 300,
    description:
      'What decided: the deciding policy ("denied by policy …", "allowed by policy …") or rule ("user is inactive", "no policy allows …", "user not found", "application not found").',
  })
  reason!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The deciding policy, when a policy decided.',
  })
  policyId!: string | null;
}

export class CheckResponseDto {
  @ApiProperty({ type: [DecisionDto], maxItems: MAX_CHECKS }) results!: DecisionDto[];
}
