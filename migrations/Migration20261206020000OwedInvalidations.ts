import { Migration } from '@mikro-orm/migrations';

/**
 * Invalidations a process committed a change for but could not get into
 * Redis (it could not reach Redis while the others could). Any process that
 * reaches Redis delivers them and deletes the row; the writer answers its
 * client once its row is gone. Rows live for milliseconds, or for as long as
 * no process reaches Redis.
 */
export class Migration20261206020000OwedInvalidations extends Migration {
  override up(): void {
    this.addSql(`
      create table owed_invalidations (
        id bigint generated always as identity primary key,
        kind varchar(16) not null check (kind in ('increment', 'revoke-session')),
        keys text[] not null check (cardinality(keys) > 0),
        created_at timestamptz not null default now()
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists owed_invalidations');
  }
}
