import { Migration } from '@mikro-orm/migrations';

/** Groups and their members; a group's roles are inherited by its members. */
export class Migration20261122020000Groups extends Migration {
  override up(): void {
    this.addSql(`
      create table groups (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name varchar(100) not null,
        description varchar(500),
        roles text[] not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(
      'create unique index groups_org_name_unique on groups (organization_id, lower(name))',
    );
    this.addSql(`
      create table group_members (
        group_id uuid not null references groups (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        created_at timestamptz not null default now(),
        primary key (group_id, user_id)
      )`);
    this.addSql('create index group_members_user_idx on group_members (user_id)');
    // Text search and sorting for GET /users at 100k users per organization.
    this.addSql('create extension if not exists pg_trgm');
    this.addSql(
      "create index users_search_trgm_idx on users using gin ((lower(username || ' ' || coalesce(email, '') || ' ' || coalesce(display_name, ''))) gin_trgm_ops)",
    );
    this.addSql(
      'create index users_org_username_sort_idx on users (organization_id, lower(username), id)',
    );
    this.addSql(
      'create index users_org_last_login_idx on users (organization_id, last_login_at desc nulls last, id desc)',
    );
  }

  override down(): void {
    this.addSql('drop index if exists users_org_last_login_idx');
    this.addSql('drop index if exists users_org_username_sort_idx');
    this.addSql('drop index if exists users_search_trgm_idx');
    this.addSql('drop table if exists group_members');
    this.addSql('drop table if exists groups');
  }
}
