import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import type { Session } from '../../directory/sessions/session.entity';
import { CursorPage } from '../../common/pagination/page.dto';

export class ListSessionsQueryDto {
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @IsOptional()
  @IsIn(['active'])
  status?: 'active';
}

export class SessionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 64 }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 512 }) userAgent!: string | null;
  @ApiProperty({ enum: ['password', 'sso', 'invite', 'registration'] }) method!: string;
  /** True for the session of the access token making this request. */
  @ApiProperty() current!: boolean;

  static from(session: Session, currentSessionId: string | null): SessionResponseDto {
    return {
      id: session.id,
      userId: session.userId,
      createdAt: session.createdAt.toISOString(),
      lastSeenAt: session.lastSeenAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      revokedAt: session.revokedAt?.toISOString() ?? null,
      ip: session.ip,
      userAgent: session.userAgent,
      method: session.method,
      current: session.id === currentSessionId,
    };
  }
}

export class SessionListDto extends CursorPage(SessionResponseDto) {}
