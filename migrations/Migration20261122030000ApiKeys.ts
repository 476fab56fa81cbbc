import { Migration } from '@mikro-orm/migrations';

/** API keys: stored only as SHA-256 of the secret, found by that hash in one indexed lookup. */
export class Migration20261122030000ApiKeys extends Migration {
  override up(): void {
    this.addSql(`
      create table api_keys (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid references users (id) on delete cascade,
        type varchar(16) not null check (type in ('personal', 'system')),
        name varchar(100) not null,
        prefix varchar(32) not null,
        secret_hash char(64) not null,
        roles text[],
        scim boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        last_used_ip varchar(64),
        revoked_at timestamptz,
        constraint api_keys_secret_hash_unique unique (secret_hash),
        constraint api_keys_owner_by_type check ((type = 'personal') = (user_id is not null)),
        constraint api_keys_scim_only_system check (not scim or type = 'system')
      )`);
    this.addSql(
      'create index api_keys_org_user_idx on api_keys (organization_id, user_id, created_at desc)',
    );
  }

  override down(): void {
    this.addSql('drop table if exists api_keys');
  }
}
