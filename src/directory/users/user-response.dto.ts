import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorPage } from '../../common/pagination/page.dto';
import type { UserFields } from './user.rows';

/** How a user is shown wherever one appears (users, group members, /me, invites, exports). */
export class GroupRefDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 100 })
  name!: string;
}

export class UserStatsDto {
  @ApiProperty({ minimum: 0 }) activeSessions!: number;
  @ApiProperty({ minimum: 0 }) apiKeys!: number;
  @ApiProperty({ minimum: 0 }) groups!: number;
  @ApiProperty({ minimum: 0 }) applications!: number;
}

export class MfaFactorRefDto {
  @ApiProperty({ enum: ['totp', 'webauthn'] }) type!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 254 })
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

  /**
   * Sign-in is refused until then after repeated failures (the person signing in
   * sees only "invalid credentials"); a time in the past is a lock that ran out.
   * `POST /users/{id}/unlock` lifts it.
   */
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lockedUntil!: string | null;

  /** Failed password sign-ins since the last successful one or the last unlock. */
  @ApiProperty({ minimum: 0 })
  failedLoginAttempts!: number;

  @ApiPropertyOptional({ type: UserStatsDto })
  stats?: UserStatsDto;

  /** The confirmed second factors (types and names, never secrets); in lists and single reads. */
  @ApiPropertyOptional({ type: [MfaFactorRefDto], maxItems: 20 })
  mfaFactors?: MfaFactorRefDto[];

  static from(
    user: UserFields,
    groups: GroupRefDto[] = [],
    stats?: UserStatsDto,
    mfaFactors?: MfaFactorRefDto[],
  ): UserResponseDto {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      status: user.status,
      roles: [...user.roles],
      groups,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      lastLoginIp: user.lastLoginIp,
      lastActivityAt: user.lastActivityAt?.toISOString() ?? null,
      lockedUntil: user.lockedUntil?.toISOString() ?? null,
      failedLoginAttempts: user.failedLoginAttempts,
      ...(stats ? { stats } : {}),
      ...(mfaFactors ? { mfaFactors } : {}),
    };
  }
}

export class UserListDto extends CursorPage(UserResponseDto) {}
