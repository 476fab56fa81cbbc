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
import { RegisteredResponseDto } from '../../auth/dto/auth.dto';
import { AuditActorDto } from '../../audit/dto/audit-event.dto';
import type { DeliveryState, Invite, InviteStatus } from '../entities/invite.entity';
import { ROLE_KEY_PATTERN, USERNAME_PATTERN, USERNAME_RULE } from '../../authz/vocabulary';
import { CursorPage, PageQueryDto } from '../../common/pagination/page.dto';

export const INVITE_STATUSES: readonly InviteStatus[] = [
  'pending',
  'accepted',
  'revoked',
  'expired',
];
const DELIVERY_STATES: readonly DeliveryState[] = ['queued', 'sent', 'retrying', 'failed'];

export class CreateInviteDto {
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;

  /** Role keys the new user gets; defaults to ["user"]. Each must be one you could grant. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true })
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles?: string[];

  /** Groups the new user joins (you need the right to change their members). */
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
}

export class ListInvitesQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(INVITE_STATUSES)
  @ApiPropertyOptional({ enum: INVITE_STATUSES })
  status?: InviteStatus;
}

export class AcceptInviteDto {
  /** The token from the invitation link. */
  @IsString()
  @Length(1, 200)
  token!: string;

  @MaxLength(254)
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;

  /** Overrides the name the inviter gave. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  displayName?: string;
}

export class InviteDeliveryDto {
  @ApiProperty({ enum: DELIVERY_STATES }) state!: DeliveryState;
  @ApiProperty({ minimum: 0 }) attempts!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 1000,
    description: 'Why the last send failed.',
  })
  lastError!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastAttemptAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) sentAt!: string | null;
}

export class InviteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email', maxLength: 254 }) email!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 }) displayName!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 50 })
  roles!: string[];
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 100 })
  groupIds!: string[];
  @ApiProperty({ enum: INVITE_STATUSES }) status!: InviteStatus;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: AuditActorDto }) invitedBy!: AuditActorDto;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) acceptedUserId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) acceptedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;
  @ApiProperty({ type: InviteDeliveryDto }) delivery!: InviteDeliveryDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(invite: Invite, now: Date): InviteResponseDto {
    const iso = (date: Date | null) => (date === null ? null : date.toISOString());
    return {
      id: invite.id,
      email: invite.email,
      displayName: invite.displayName,
      roles: invite.roles,
      groupIds: invite.groupIds,
      status: invite.statusAt(now),
      expiresAt: invite.expiresAt.toISOString(),
      invitedBy: {
        type: invite.invitedBy.type,
        id: invite.invitedBy.id,
        username: invite.invitedBy.username ?? null,
        email: invite.invitedBy.email ?? null,
      },
      acceptedUserId: invite.acceptedUserId,
      acceptedAt: iso(invite.acceptedAt),
      revokedAt: iso(invite.revokedAt),
      delivery: {
        state: invite.deliveryState,
        attempts: invite.deliveryAttempts,
        lastError: invite.lastError,
        lastAttemptAt: iso(invite.lastAttemptAt),
        sentAt: iso(invite.sentAt),
      },
      createdAt: invite.createdAt.toISOString(),
    };
  }
}

export class InviteListDto extends CursorPage(InviteResponseDto) {}

export class AcceptedInviteDto extends RegisteredResponseDto {}
