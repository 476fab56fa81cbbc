import { Migration } from '@mikro-orm/migrations';

/** With `mfaForSso`, an SSO sign-in may be completed by a second factor: its sessions say so. ADR 0010. */
export class Migration20261204070000SsoSecondFactor extends Migration {
  override up(): void {
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code',
         'password+webauthn', 'passkey', 'sso+totp', 'sso+recovery_code', 'sso+webauthn'))`,
    );
  }

  override down(): void {
    this.addSql("delete from sessions where method like 'sso+%'");
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code',
         'password+webauthn', 'passkey'))`,
    );
  }
}
