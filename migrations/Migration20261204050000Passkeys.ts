import { Migration } from '@mikro-orm/migrations';

/**
 * WebAuthn passkeys as second factors: the credential id, its COSE public key
 * (not a secret), the signature counter and transports. A passkey has no
 * shared secret, so `secret` becomes nullable. ADR 0010.
 */
export class Migration20261204050000Passkeys extends Migration {
  override up(): void {
    this.addSql('alter table mfa_factors drop constraint if exists mfa_factors_type_check');
    this.addSql(
      "alter table mfa_factors add constraint mfa_factors_type_check check (type in ('totp', 'webauthn'))",
    );
    this.addSql('alter table mfa_factors alter column secret drop not null');
    this.addSql(
      `alter table mfa_factors add column credential_id text null,
         add column public_key text null,
         add column sign_count bigint not null default 0,
         add column transports text[] null`,
    );
    this.addSql(
      'create unique index mfa_factors_credential_unique on mfa_factors (credential_id) where credential_id is not null',
    );
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code', 'password+webauthn'))`,
    );
  }

  override down(): void {
    this.addSql("delete from sessions where method = 'password+webauthn'");
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code'))`,
    );
    this.addSql("delete from mfa_factors where type = 'webauthn'");
    this.addSql('drop index if exists mfa_factors_credential_unique');
    this.addSql(
      'alter table mfa_factors drop column credential_id, drop column public_key, drop column sign_count, drop column transports',
    );
    this.addSql('alter table mfa_factors alter column secret set not null');
    this.addSql('alter table mfa_factors drop constraint if exists mfa_factors_type_check');
    this.addSql(
      "alter table mfa_factors add constraint mfa_factors_type_check check (type in ('totp'))",
    );
  }
}
