import { Migration } from '@mikro-orm/migrations';

/**
 * A session may exist only to enrol a second factor: the organization requires
 * one (`mfaRequired`) and the person has none yet. Such a session carries the
 * self-service baseline alone until a factor is confirmed. ADR 0010.
 */
export class Migration20261204040000MfaEnrolmentSessions extends Migration {
  override up(): void {
    this.addSql(
      "alter table sessions add column purpose varchar(24) null check (purpose in ('mfa_enrolment'))",
    );
  }

  override down(): void {
    this.addSql('alter table sessions drop column purpose');
  }
}
