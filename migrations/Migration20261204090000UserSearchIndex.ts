import { Migration } from '@mikro-orm/migrations';

/**
 * The user list's text search (`q`: a substring of username, email or display
 * name, ignoring case) through a trigram index: without it every search that
 * matches fewer rows than a page reads every user of the table. pg_trgm ships
 * with PostgreSQL (contrib) and is a trusted extension: the database owner may
 * create it.
 */
export class Migration20261204090000UserSearchIndex extends Migration {
  override up(): void {
    this.addSql('create extension if not exists pg_trgm');
    this.addSql(
      `create index users_search_trgm on users using gin
         (lower(username || ' ' || coalesce(email, '') || ' ' || coalesce(display_name, '')) gin_trgm_ops)`,
    );
  }

  override down(): void {
    this.addSql('drop index if exists users_search_trgm');
  }
}
