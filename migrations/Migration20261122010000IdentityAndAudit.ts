import { Migration } from '@mikro-orm/migrations';

/** Users, custom roles, sessions with rotating refresh tokens, and the append-only audit trail. */
export class Migration20261122010000IdentityAndAudit extends Migration {
  override up(): void {
    this.addSql(`
      create table users (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        username varchar(50) not null,
        email varchar(254),
        display_name varchar(200),
        status varchar(16) not null default 'active' check (status in ('active', 'inactive')),
        roles text[] not null default '{}',
        password_hash text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        last_login_at timestamptz,
        last_login_ip varchar(64),
        last_activity_at timestamptz
      )`);
    // Case-insensitive uniqueness per organization.
    this.addSql(
      'create unique index users_org_username_unique on users (organization_id, lower(username))',
    );
    this.addSql(
      'create unique index users_org_email_unique on users (organization_id, lower(email)) where email is not null',
    );
    this.addSql(
      'create index users_org_created_idx on users (organization_id, created_at desc, id desc)',
    );

    this.addSql(`
      create table roles (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        key varchar(50) not null,
        name varchar(100) not null,
        description varchar(500),
        permissions jsonb not null default '[]'::jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint roles_org_key_unique unique (organization_id, key)
      )`);

    this.addSql(`
      create table sessions (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        method varchar(16) not null check (method in ('password', 'sso', 'invite', 'registration')),
        ip varchar(64),
        user_agent varchar(512),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        idle_expires_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        revoked_reason varchar(64)
      )`);
    this.addSql(
      'create index sessions_org_user_idx on sessions (organization_id, user_id, created_at desc)',
    );

    this.addSql(`
      create table refresh_tokens (
        token_hash char(64) primary key,
        session_id uuid not null references sessions (id) on delete cascade,
        created_at timestamptz not null default now(),
        used_at timestamptz
      )`);
    this.addSql('create index refresh_tokens_session_idx on refresh_tokens (session_id)');

    this.addSql(`
      create table audit_events (
        id uuid primary key,
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
        constraint audit_events_org_seq_unique unique (organization_id, seq)
      )`);
    this.addSql(
      'create index audit_events_org_time_idx on audit_events (organization_id, occurred_at desc, seq desc)',
    );

    // The head of each organization's hash chain; its row lock serialises concurrent writers.
    this.addSql(`
      create table audit_chain_heads (
        organization_id uuid primary key,
        last_seq bigint not null,
        last_hash char(64) not null
      )`);

    // Append-only: the database itself refuses to change or remove an audit event.
    this.addSql(`
      create function audit_events_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_events is append-only: % is not allowed', tg_op
          using errcode = 'insufficient_privilege';
      end $$`);
    this.addSql(`
      create trigger audit_events_append_only
        before update or delete on audit_events
        for each row execute function audit_events_refuse_change()`);
    this.addSql(`
      create trigger audit_events_no_truncate
        before truncate on audit_events
        for each statement execute function audit_events_refuse_change()`);
  }

  override down(): void {
    this.addSql('drop table if exists audit_events');
    this.addSql('drop function if exists audit_events_refuse_change');
    this.addSql('drop table if exists audit_chain_heads');
    this.addSql('drop table if exists refresh_tokens');
    this.addSql('drop table if exists sessions');
    this.addSql('drop table if exists roles');
    this.addSql('drop table if exists users');
  }
}
