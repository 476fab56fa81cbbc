import { Migration } from '@mikro-orm/migrations';

/**
 * What SCIM provisioning brings that Warden had no column for: a username may
 * be an email address (254), the IdP's externalId, the name parts, locale and
 * the enterprise extension (one jsonb: employeeNumber, department, costCenter,
 * organization, division, managerId). Groups created over SCIM are marked, as
 * only those are the IdP's to manage. docs/adr/0009-scim-provisioning.md.
 */
export class Migration20261204020000ScimProvisioning extends Migration {
  override up(): void {
    this.addSql('alter table users alter column username type varchar(254)');
    this.addSql(
      `alter table users add column external_id varchar(254) null,
         add column given_name varchar(100) null,
         add column family_name varchar(100) null,
         add column formatted_name varchar(200) null,
         add column locale varchar(35) null,
         add column enterprise jsonb not null default '{}'`,
    );
    this.addSql(
      'create index users_org_external_id_idx on users (organization_id, external_id) where external_id is not null',
    );
    this.addSql(
      'alter table groups add column external_id varchar(254) null, add column scim_managed boolean not null default false',
    );
    this.addSql(
      'create index groups_org_scim_idx on groups (organization_id, created_at, id) where scim_managed',
    );
  }

  override down(): void {
    this.addSql('drop index if exists groups_org_scim_idx');
    this.addSql('alter table groups drop column external_id, drop column scim_managed');
    this.addSql('drop index if exists users_org_external_id_idx');
    this.addSql(
      'alter table users drop column external_id, drop column given_name, drop column family_name, drop column formatted_name, drop column locale, drop column enterprise',
    );
    this.addSql('alter table users alter column username type varchar(50)');
  }
}
