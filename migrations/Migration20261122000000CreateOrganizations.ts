import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000CreateOrganizations extends Migration {
  override up(): void {
    this.addSql(`
      create table organizations (
        id uuid primary key default gen_random_uuid(),
        slug varchar(63) not null,
        name varchar(200) not null,
        settings jsonb not null default '{}'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint organizations_slug_unique unique (slug)
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists organizations');
  }
}
