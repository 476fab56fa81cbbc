import { Entity, Filter, PrimaryKey, Property } from '@mikro-orm/core';
import {
  TENANT_FILTER,
  type TenantFilterArgs,
} from '../../infra/database/organization-owned.entity';

export type ActorType = 'user' | 'apiKey' | 'system' | 'anonymous';
export type Outcome = 'success' | 'failure';

/** One link of an organization's append-only, hash-chained audit trail. */
@Entity({ tableName: 'audit_events' })
@Filter({
  name: TENANT_FILTER,
  default: true,
  cond: (args: TenantFilterArgs) => ({ organizationId: args.organizationId }),
})
export class AuditEvent {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'bigint' })
  seq!: string;

  @Property({ type: 'Date', columnType: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'string' })
  actorType!: ActorType;

  @Property({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Property({ type: 'string', nullable: true })
  actorUsername!: string | null;

  @Property({ type: 'string', nullable: true })
  actorEmail!: string | null;

  @Property({ type: 'string' })
  action!: string;

  @Property({ type: 'string', nullable: true })
  targetType!: string | null;

  @Property({ type: 'string', nullable: true })
  targetId!: string | null;

  @Property({ type: 'string' })
  outcome!: Outcome;

  @Property({ type: 'string', nullable: true })
  reason!: string | null;

  @Property({ type: 'json', nullable: true })
  changes!: Record<string, unknown> | null;

  @Property({ type: 'string', nullable: true })
  ip!: string | null;

  @Property({ type: 'string', nullable: true })
  userAgent!: string | null;

  @Property({ type: 'string', nullable: true })
  requestId!: string | null;

  @Property({ type: 'string' })
  prevHash!: string;

  @Property({ type: 'string' })
  hash!: string;
}
