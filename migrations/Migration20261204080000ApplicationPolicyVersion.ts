import { Migration } from '@mikro-orm/migrations';

/**
 * Every application carries a version that changes with anything a decision
 * reads of it: its own row (owner, assignments) and its policies. A trigger
 * keeps it, so that no write path can forget; the decision endpoint caches
 * compiled policies per application and version.
 */
export class Migration20261204080000ApplicationPolicyVersion extends Migration {
  override up(): void {
    this.addSql('alter table applications add column policy_version bigint not null default 0');
    this.addSql(
      `create function applications_bump_policy_version() returns trigger language plpgsql as $$
       begin
         if tg_table_name = 'applications' then
           new.policy_version := old.policy_version + 1;
           return new;
         end if;
         update applications set policy_version = policy_version + 1
          where id = case when tg_op = 'DELETE' then old.application_id else new.application_id end;
         return null;
       end $$`,
    );
    this.addSql(
      `create trigger applications_policy_version before update on applications
       for each row execute function applications_bump_policy_version()`,
    );
    this.addSql(
      `create trigger application_policies_policy_version after insert or update or delete on application_policies
       for each row execute function applications_bump_policy_version()`,
    );
  }

  override down(): void {
    this.addSql('drop trigger application_policies_policy_version on application_policies');
    this.addSql('drop trigger applications_policy_version on applications');
    this.addSql('drop function applications_bump_policy_version()');
    this.addSql('alter table applications drop column policy_version');
  }
}
