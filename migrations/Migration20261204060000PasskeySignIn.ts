import { Migration } from '@mikro-orm/migrations';

/** Passwordless sign-in with a passkey opens sessions of their own method. ADR 0010. */
export class Migration20261204060000PasskeySignIn extends Migration {
  override up(): void {
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code',
         'password+webauthn', 'passkey'))`,
    );
  }

  override down(): void {
    this.addSql("delete from sessions where method = 'passkey'");
    this.addSql('alter table sessions drop constraint if exists sessions_method_check');
    this.addSql(
      `alter table sessions add constraint sessions_method_check check (method in
        ('password', 'sso', 'invite', 'registration', 'password+totp', 'password+recovery_code',
         'password+webauthn'))`,
    );
  }
}
