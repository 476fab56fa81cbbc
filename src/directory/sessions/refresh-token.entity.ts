import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A refresh token, stored only as its SHA-256. A used one stays, marked, so
 * that presenting it again is recognised as theft and ends the session.
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryKey({ type: 'string', length: 64 })
  tokenHash!: string;

  @Property({ type: 'uuid' })
  sessionId!: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  usedAt: Date | null = null;
}
