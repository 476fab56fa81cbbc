import { Migration } from '@mikro-orm/migrations';

/**
 * SSO connections (OIDC or SAML, per organization) and the identities they
 * vouch for. An identity is keyed by (connection, subject): the same subject
 * from two connections is two people, and an email address never links one.
 * The OIDC client secret is stored sealed (AES-256-GCM), never in clear.
 */
export class Migration20261123040000SsoConnections extends Migration {
  override up(): void {
    this.addSql(`
      create table sso_connections (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        name varchar(100) not null,
        protocol text not null check (protocol in ('oidc', 'saml')),
        enabled boolean not null default true,
        oidc jsonb,
        client_secret_sealed text,
        saml jsonb,
        mappings jsonb not null default '[]',
        default_roles text[] not null,
        redirect_url varchar(2048),
        created_by_id uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((protocol = 'oidc') = (oidc is not null)),
        check ((protocol = 'saml') = (saml is not null))
      )`);
    this.addSql(
      'create unique index sso_connections_org_name_unique on sso_connections (organization_id, lower(name))',
    );
    this.addSql(`
      create table sso_identities (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        connection_id uuid not null references sso_connections (id) on delete cascade,
        subject varchar(512) not null,
        user_id uuid not null references users (id) on delete cascade,
        email varchar(254),
        last_login_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    this.addSql(
      'create unique index sso_identities_connection_subject_unique on sso_identities (connection_id, subject)',
    );
    this.addSql('create index sso_identities_user_idx on sso_identities (user_id)');
  }

  override down(): void {
    this.addSql('drop table if exists sso_identities');
    this.addSql('drop table if exists sso_connections');
  }
}
