import { Migration } from '@mikro-orm/migrations';

/**
 * Applications (the resources an organization protects), their assignments and
 * their access policies. Assignments and policy subjects are arrays on the row:
 * visibility and decisions read one row per application, and GIN indexes answer
 * "assigned to me or to one of my groups" without a join.
 */
export class Migration20261123020000Applications extends Migration {
  override up(): void {
    this.addSql(`
      create table applications (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name varchar(100) not null,
        description varchar(500),
        owner_id uuid not null references users (id) on delete restrict,
        assigned_user_ids uuid[] not null default '{}',
        assigned_group_ids uuid[] not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(
      'create unique index applications_org_name_unique on applications (organization_id, lower(name))',
    );
    this.addSql('create index applications_owner_idx on applications (owner_id)');
    this.addSql(
      'create index applications_assigned_users_idx on applications using gin (assigned_user_ids)',
    );
    this.addSql(
      'create index applications_assigned_groups_idx on applications using gin (assigned_group_ids)',
    );
    this.addSql(`
      create table application_policies (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        application_id uuid not null references applications (id) on delete cascade,
        name varchar(100) not null,
        description varchar(500),
        effect text not null check (effect in ('allow', 'deny')),
        actions text[] not null check (cardinality(actions) > 0),
        user_ids uuid[] not null default '{}',
        group_ids uuid[] not null default '{}',
        roles text[] not null default '{}',
        created_by_id uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(
      'create unique index application_policies_app_name_unique on application_policies (application_id, lower(name))',
    );
    this.addSql(
      'create index application_policies_org_idx on application_policies (organization_id)',
    );
  }

  override down(): void {
    this.addSql('drop table if exists application_policies');
    this.addSql('drop table if exists applications');
  }
}
