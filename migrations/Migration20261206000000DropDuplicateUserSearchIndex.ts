import { Migration } from '@mikro-orm/migrations';

/**
 * The user search's trigram index was created twice, by the groups migration
 * (users_search_trgm_idx) and again by the user search one (users_search_trgm),
 * on the same expression. Every write that touches an indexed column of a user
 * (a sign-in sets last_login_at) maintained both GIN indexes, and the planner
 * weighed both on every list query. The later one stays.
 */
export class Migration20261206000000DropDuplicateUserSearchIndex extends Migration {
  override up(): void {
    this.addSql('drop index if exists users_search_trgm_idx');
  }

  override down(): void {
    this.addSql(
      "create index users_search_trgm_idx on users using gin ((lower(username || ' ' || coalesce(email, '') || ' ' || coalesce(display_name, ''))) gin_trgm_ops)",
    );
  }
}
