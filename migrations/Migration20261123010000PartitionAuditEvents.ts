import { Migration } from '@mikro-orm/migrations';

/**
 * Audit events partitioned per organization, then per calendar month (UTC):
 * retention drops an organization's whole month instead of deleting rows, and
 * every query (all filter by organization) reads one organization's tables.
 * `audit_ensure_partition` creates a month's table on first use; the
 * maintenance job creates upcoming months ahead of time. When retention drops
 * months, `audit_chain_anchors` keeps where the remaining chain starts.
 */
export class Migration20261123010000PartitionAuditEvents extends Migration {
  override up(): void {
    this.addSql('alter table audit_events rename to audit_events_unpartitioned');
    this.addSql(
      'alter table audit_events_unpartitioned rename constraint audit_events_pkey to audit_events_unpartitioned_pkey',
    );
    this.addSql(
      'alter table audit_events_unpartitioned rename constraint audit_events_org_seq_unique to audit_events_unpartitioned_org_seq_unique',
    );
    this.addSql(
      'alter index audit_events_org_time_idx rename to audit_events_unpartitioned_time_idx',
    );
    this.addSql(`
      create table audit_events (
        id uuid not null,
        organization_id uuid not null,
        seq bigint not null,
        occurred_at timestamptz not null,
        actor_type varchar(16) not null check (actor_type in ('user', 'apiKey', 'system', 'anonymous')),
        actor_id uuid,
        actor_username varchar(254),
        actor_email varchar(254),
        action varchar(100) not null,
        target_type varchar(50),
        target_id varchar(100),
        outcome varchar(16) not null check (outcome in ('success', 'failure')),
        reason varchar(500),
        changes jsonb,
        ip varchar(64),
        user_agent varchar(512),
        request_id varchar(128),
        prev_hash char(64) not null,
        hash char(64) not null,
        -- Unique keys of a partitioned table must hold its partition keys. The
        -- chain head's row lock is what keeps seq unique per organization.
        constraint audit_events_pkey primary key (organization_id, occurred_at, id),
        constraint audit_events_org_seq_unique unique (organization_id, seq, occurred_at)
      ) partition by list (organization_id)`);
    this.addSql(
      'create index audit_events_org_time_idx on audit_events (organization_id, occurred_at desc, seq desc)',
    );
    this.addSql('create index audit_events_org_seq_idx on audit_events (organization_id, seq)');
    this.addSql(`
      create function audit_ensure_partition(org uuid, at timestamptz) returns void
      language plpgsql as $$
      declare
        org_table text := 'audit_events_o' || replace(org::text, '-', '');
        month_start timestamptz := date_trunc('month', at, 'UTC');
        month_table text := org_table || '_' || to_char(month_start at time zone 'UTC', 'YYYYMM');
      begin
        if to_regclass(month_table) is not null then
          return;
        end if;
        -- Concurrent first writers of a month wait for one another here.
        perform pg_advisory_xact_lock(hashtext(month_table));
        if to_regclass(org_table) is null then
          execute format(
            'create table if not exists %I partition of audit_events for values in (%L) partition by range (occurred_at)',
            org_table, org);
        end if;
        execute format(
          'create table if not exists %I partition of %I for values from (%L) to (%L)',
          month_table, org_table, month_start, month_start + interval '1 month');
      end $$`);
    this.addSql(`
      select audit_ensure_partition(organization_id, month)
        from (select distinct organization_id, date_trunc('month', occurred_at, 'UTC') as month
                from audit_events_unpartitioned) existing`);
    this.addSql('insert into audit_events select * from audit_events_unpartitioned');
    this.addSql('drop table audit_events_unpartitioned');
    // Append-only, as before: row triggers on a partitioned table apply to every partition.
    this.addSql(`
      create trigger audit_events_append_only
        before update or delete on audit_events
        for each row execute function audit_events_refuse_change()`);
    this.addSql(`
      create trigger audit_events_no_truncate
        before truncate on audit_events
        for each statement execute function audit_events_refuse_change()`);
    // Where an organization's chain starts once retention dropped its oldest months.
    this.addSql(`
      create table audit_chain_anchors (
        organization_id uuid primary key,
        first_seq bigint not null,
        prev_hash char(64) not null,
        dropped_before timestamptz not null
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists audit_chain_anchors');
    this.addSql('drop function if exists audit_ensure_partition');
  }
}
