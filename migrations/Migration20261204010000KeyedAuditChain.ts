import { Migration } from '@mikro-orm/migrations';

/**
 * A keyed audit chain and signed checkpoints. Every new event carries the id of
 * the chain key and an HMAC of its hash under that key (the key is never in the
 * database); events written before stay as they are, and the first keyed event
 * of an organization is a rotation event that links to its old unkeyed head.
 * Checkpoints are Ed25519-signed statements of a chain's head, append-only like
 * the events.
 */
export class Migration20261204010000KeyedAuditChain extends Migration {
  override up(): void {
    this.addSql('alter table audit_events add column key_id text null, add column mac text null');
    this.addSql('alter table audit_chain_heads add column last_key_id text null');
    this.addSql(`
      create table audit_checkpoints (
        id uuid primary key,
        organization_id uuid not null,
        seq bigint not null,
        head text not null,
        at timestamptz not null,
        key_id text not null,
        signature text not null,
        unique (organization_id, seq)
      )`);
    this.addSql(`
      create trigger audit_checkpoints_append_only
        before update or delete on audit_checkpoints
        for each row execute function audit_events_refuse_change()`);
    this.addSql(`
      create trigger audit_checkpoints_no_truncate
        before truncate on audit_checkpoints
        for each statement execute function audit_events_refuse_change()`);
  }

  override down(): void {
    this.addSql('drop table if exists audit_checkpoints');
    this.addSql('alter table audit_chain_heads drop column last_key_id');
    this.addSql('alter table audit_events drop column key_id, drop column mac');
  }
}
