import { Migration } from '@mikro-orm/migrations';

/**
 * Access reviews (ADR 0012): a campaign, and the items its start snapshotted —
 * one per (user, role | group | application | API key) in scope, with who
 * granted it and when, the user's last sign-in and activity, who may decide
 * it, and the decision with the change it caused.
 */
export class Migration20261204100000AccessReviews extends Migration {
  override up(): void {
    this.addSql(`
      create table access_reviews (
        id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        name varchar(200) not null,
        status varchar(16) not null check (status in ('active', 'completed')),
        scope_type varchar(16) not null check (scope_type in ('all', 'role', 'group', 'application', 'privileged')),
        scope_id varchar(100),
        reviewing text[] not null,
        use_managers boolean not null,
        reviewer_user_ids uuid[] not null,
        reviewer_group_id uuid,
        reviewer_ids uuid[] not null,
        due_at timestamptz not null,
        remind_days_before integer not null,
        overdue_action varchar(16) not null check (overdue_action in ('revoke', 'leave')),
        recurrence varchar(16) check (recurrence in ('monthly', 'quarterly')),
        series_id uuid not null,
        created_by_id uuid,
        created_by_username varchar(254),
        started_at timestamptz not null,
        reminded_at timestamptz,
        escalated_at timestamptz,
        completed_at timestamptz,
        report_sha256 char(64)
      )`);
    this.addSql(
      'create index access_reviews_org_started_idx on access_reviews (organization_id, started_at desc, id desc)',
    );
    this.addSql(
      "create index access_reviews_active_due_idx on access_reviews (due_at) where status = 'active'",
    );
    this.addSql(
      'create index access_reviews_series_idx on access_reviews (series_id, started_at desc)',
    );
    this.addSql(
      'create index access_reviews_reviewers_idx on access_reviews using gin (reviewer_ids)',
    );
    this.addSql(`
      create table access_review_items (
        id uuid primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        campaign_id uuid not null references access_reviews (id) on delete cascade,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        user_id uuid not null,
        username varchar(254) not null,
        display_name varchar(200),
        email varchar(254),
        user_status varchar(16) not null,
        kind varchar(16) not null check (kind in ('role', 'group', 'application', 'apiKey')),
        resource_id varchar(100) not null,
        resource_name varchar(200) not null,
        granted_at timestamptz,
        granted_by_id uuid,
        granted_by_username varchar(254),
        last_login_at timestamptz,
        last_activity_at timestamptz,
        reviewer_ids uuid[] not null,
        decision varchar(8) check (decision in ('keep', 'revoke')),
        comment varchar(1000),
        decided_at timestamptz,
        decided_by_type varchar(16),
        decided_by_id uuid,
        decided_by_username varchar(254),
        outcome varchar(16) check (outcome in ('kept', 'revoked', 'alreadyRemoved'))
      )`);
    this.addSql(
      'create index access_review_items_campaign_idx on access_review_items (campaign_id, decision, last_activity_at nulls first, id)',
    );
    // The report reads a campaign's items in id order, a batch at a time.
    this.addSql(
      'create index access_review_items_campaign_id_idx on access_review_items (campaign_id, id)',
    );
    this.addSql(
      'create index access_review_items_reviewers_idx on access_review_items using gin (reviewer_ids)',
    );
  }

  override down(): void {
    this.addSql('drop table if exists access_review_items');
    this.addSql('drop table if exists access_reviews');
  }
}
