import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { escapeIdentifier } from 'pg';
import { Clock } from '../common/clock/clock';
import { effectiveSettings } from '../tenancy/organization-settings';
import { TenancyService } from '../tenancy/tenancy.service';
import { AuditService } from './audit.service';

const DAY_MS = 86_400_000;
const SYSTEM = { type: 'system' as const, id: null, username: 'maintenance' };

/** The first instant of the month after `date`'s (UTC). */
function nextMonth(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

/** The month table's name of an organization: audit_events_o<id without dashes>_YYYYMM. */
function organizationTable(organizationId: string): string {
  return `audit_events_o${organizationId.replace(/-/g, '')}`;
}

export interface RetentionResult {
  /** Month partitions dropped, as "<organization id>:YYYY-MM". */
  dropped: string[];
  /** Events removed with them. */
  events: number;
}

/**
 * The audit trail's storage over time: each organization's events live in
 * one table per month. Upcoming months are created ahead of the writers, and
 * months that ended before the organization's retention (auditRetentionDays)
 * are dropped whole, never row by row. Both are idempotent.
 */
@Injectable()
export class AuditPartitionsService {
  private readonly logger = new Logger('AuditPartitions');

  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly organizations: TenancyService,
    private readonly clock: Clock,
  ) {}

  /** Ensures this month's and next month's table for every organization; returns how many exist. */
  async createUpcoming(): Promise<number> {
    const now = this.clock.now();
    const connection = this.em.getConnection();
    const organizations = await this.organizations.listAll();
    for (const organization of organizations) {
      for (const month of [now, nextMonth(now)]) {
        await connection.execute('select audit_ensure_partition(?, ?)', [organization.id, month]);
      }
    }
    return organizations.length * 2;
  }

  /**
   * Drops, per organization, the month tables that ended before now minus its
   * retention. Before a month goes, the chain anchor records the hash of its
   * last event, so verification accepts the first kept event as the chain's
   * start; the drop is itself an audit event, in the same transaction.
   */
  async applyRetention(): Promise<RetentionResult> {
    const result: RetentionResult = { dropped: [], events: 0 };
    const now = this.clock.now().getTime();
    for (const organization of await this.organizations.listAll()) {
      const retentionDays = effectiveSettings(organization.settings).auditRetentionDays;
      const cutoff = now - retentionDays * DAY_MS;
      const months = await this.em.getConnection().execute<Array<{ name: string }>>(
        `select child.relname as name from pg_inherits
             join pg_class child on child.oid = pg_inherits.inhrelid
             join pg_class parent on parent.oid = pg_inherits.inhparent
            where parent.relname = ? order by child.relname`,
        [organizationTable(organization.id)],
      );
      for (const { name } of months) {
        const match = /_(\d{4})(\d{2})$/.exec(name);
        if (match === null) continue;
        const start = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
        const end = nextMonth(start);
        if (end.getTime() > cutoff) break; // ordered by month: the rest are younger
        const events = await this.dropMonth(organization.id, name, start, end, retentionDays);
        result.dropped.push(`${organization.id}:${start.toISOString().slice(0, 7)}`);
        result.events += events;
      }
    }
    if (result.dropped.length > 0) this.audit.forgetPartitions();
    this.logger.log({
      msg: 'Applied audit retention',
      dropped: result.dropped,
      events: result.events,
    });
    return result;
  }

  private dropMonth(
    organizationId: string,
    table: string,
    start: Date,
    end: Date,
    retentionDays: number,
  ): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      const connection = em.getConnection();
      const context: unknown = em.getTransactionContext();
      const quoted = escapeIdentifier(table);
      const [last] = await connection.execute<Array<{ seq: string; hash: string; count: string }>>(
        `select seq, hash, count(*) over () as count from ${quoted} order by seq desc limit 1`,
        [],
        'all',
        context,
      );
      if (last !== undefined) {
        // The anchor only moves forward: the earliest kept event after this drop.
        await connection.execute(
          `insert into audit_chain_anchors (organization_id, first_seq, prev_hash, dropped_before)
           values (?, ?, ?, ?)
           on conflict (organization_id) do update
             set first_seq = excluded.first_seq, prev_hash = excluded.prev_hash,
                 dropped_before = excluded.dropped_before
             where audit_chain_anchors.first_seq < excluded.first_seq`,
          [organizationId, String(BigInt(last.seq) + 1n), last.hash, end],
          'run',
          context,
        );
      }
      await connection.execute(`drop table ${quoted}`, [], 'run', context);
      const events = Number(last?.count ?? 0);
      await this.audit.record(em, {
        organizationId,
        actor: SYSTEM,
        action: 'auditEvent.retentionApplied',
        target: { type: 'AuditEvent', id: null },
        changes: {
          month: start.toISOString().slice(0, 7),
          deleted: events,
          before: end.toISOString(),
          retentionDays,
        },
      });
      return events;
    });
  }
}
