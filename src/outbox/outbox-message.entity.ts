import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * Work that must leave the process (a mail to send) recorded in the same
 * transaction as the change that caused it. Its id becomes the job id, so the
 * relay may hand a row to the queue more than once and the job still runs once.
 */
@Entity({ tableName: 'outbox' })
export class OutboxMessage {
  [OptionalProps]?: 'createdAt' | 'dispatchedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'string', length: 32 })
  queue!: string;

  @Property({ type: 'string', length: 64 })
  jobName!: string;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  createdAt: Date = new Date();

  /** When the relay handed it to the queue; null while it waits (Redis down, or just committed). */
  @Property({ type: 'Date', columnType: 'timestamptz', nullable: true })
  dispatchedAt: Date | null = null;
}
