import { Migration } from '@mikro-orm/migrations';

/**
 * Account lockout lives on the user row (it lived in Redis, invisible to
 * admins): failed sign-ins since the last success, and until when the account
 * is locked. Admins see both on the user and can lift a lock.
 */
export class Migration20261204000000AccountLockout extends Migration {
  override up(): void {
    this.addSql(
      'alter table users add column failed_login_attempts integer not null default 0, add column locked_until timestamptz null',
    );
  }

  override down(): void {
    this.addSql('alter table users drop column failed_login_attempts, drop column locked_until');
  }
}
