import { Migration } from '@mikro-orm/migrations';

/**
 * Second factors: TOTP authenticators (secret sealed with SecretBox, the last
 * accepted time step so no code is accepted twice) and single-use recovery
 * codes (SHA-256: they are 50 random bits each, not passwords). Wrong codes
 * are counted on the user row apart from wrong passwords. Sessions name the
 * factors they were opened with ("password+totp"). ADR 0010.
 */
export class Migration20261204030000MultiFactor extends Migration {
  override up(): void {
    this.addSql(
      `create table mfa_factors (
        id uuid primary key,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        type varchar(16) not null check (type in ('totp')),
        name varchar(100) not null,
        secret text not null,
        confirmed_at timestamptz null,
        last_used_step bigint null,
        last_used_at timestamptz null
      )`,
    );
    this.addSql('create index mfa_factors_user_idx on mfa_factors (user_id)');
    this.addSql(
      `create table mfa_recovery_codes (
        id uuid primary key,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        organization_id uuid not null references organizations (id) on delete cascade,
        user_id uuid not null references users (id) on delete cascade,
        code_hash char(64) not null,
        used_at timestamptz null
      )`,
    );
    this.addSql('create index mfa_recovery_codes_user_idx on mfa_recovery_codes (user_id)');
    this.addSql(
      'alter table users add column failed_mfa_attempts integer not null default 0, add column mfa_locked_until timestamptz null',
    );
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql('alter table sessions alter column method type varchar(32)');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code'))`,
    );
  }

  override down(): void {
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql("delete from sessions where method in ('password+totp', 'password+recovery_code')");
    this.addSql(
      "alter table sessions add constraint sessions_method_check check (method in ('password', 'sso', 'invite', 'registration'))",
    );
    this.addSql('alter table users drop column failed_mfa_attempts, drop column mfa_locked_until');
    this.addSql('drop table if exists mfa_recovery_codes');
    this.addSql('drop table if exists mfa_factors');
  }
}
