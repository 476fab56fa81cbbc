import { Migration } from '@mikro-orm/migrations';

/**
 * Invites and the transactional outbox. An invite and its outgoing mail are
 * committed together; a relay hands outbox rows to the queue after commit, so
 * a Redis outage delays mail but never loses it.
 */
export class Migration20261123000000InvitesAndOutbox extends Migration {
  override up(): void {
    this.addSql(`
      create table invites (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        email varchar(254) not null,
        display_name varchar(200),
        roles text[] not null default '{}',
        group_ids uuid[] not null default '{}',
        status varchar(16) not null default 'pending'
          check (status in ('pending', 'accepted', 'revoked', 'expired')),
        token_hash char(64),
        expires_at timestamptz not null,
        invited_by jsonb not null,
        accepted_user_id uuid references users (id) on delete set null,
        accepted_at timestamptz,
        revoked_at timestamptz,
        delivery_id uuid,
        delivery_state varchar(16) not null default 'queued'
          check (delivery_state in ('queued', 'sent', 'retrying', 'failed')),
        delivery_attempts integer not null default 0,
        last_error text,
        last_attempt_at timestamptz,
        sent_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint invites_token_hash_unique unique (token_hash)
      )`);
    // One pending invite per address: a second one is a resend, not a new invite.
    this.addSql(
      `create unique index invites_pending_email_unique on invites (organization_id, lower(email)) where status = 'pending'`,
    );
    this.addSql(
      'create index invites_org_created_idx on invites (organization_id, created_at desc, id desc)',
    );
    this.addSql(
      `create index invites_pending_expiry_idx on invites (expires_at) where status = 'pending'`,
    );

    this.addSql(`
      create table outbox (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        queue varchar(32) not null,
        job_name varchar(64) not null,
        payload jsonb not null,
        created_at timestamptz not null default now(),
        dispatched_at timestamptz
      )`);
    this.addSql(
      'create index outbox_undispatched_idx on outbox (created_at) where dispatched_at is null',
    );
  }

  override down(): void {
    this.addSql('drop table if exists outbox');
    this.addSql('drop table if exists invites');
  }
}
