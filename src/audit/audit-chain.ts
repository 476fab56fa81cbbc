import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/crypto/canonical-json';

/** The prev_hash of an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields of an event that its hash covers (everything but the hash and its
 * MAC). `keyId` names the chain key whose MAC seals the hash; events written
 * before the chain was keyed have none, and their hash is computed without it.
 */
export interface ChainedFields {
  id: string;
  organizationId: string;
  seq: string;
  occurredAt: Date;
  actor: { type: string; id: string | null; username: string | null; email: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: string;
  reason: string | null;
  changes: Record<string, unknown> | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  prevHash: string;
  keyId?: string;
}

/**
 * SHA-256 over the canonical JSON of the event, which includes the previous
 * event's hash: anyone can recompute it (auditors, offline). What only Warden
 * can produce is the MAC over it (AuditKeyring).
 */
export function chainHash(fields: ChainedFields): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** An audit_events row as PostgreSQL returns it (timestamps as Date or text, depending on the driver). */
export interface AuditEventRow {
  id: string;
  organization_id: string;
  seq: string;
  occurred_at: Date | string;
  actor_type: string;
  actor_id: string | null;
  actor_username: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  reason: string | null;
  changes: Record<string, unknown> | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  /** Null on events written before the chain was keyed. */
  key_id: string | null;
  mac: string | null;
}

/** The fields a stored row's hash was computed over. */
export function chainedFieldsOf(row: AuditEventRow): ChainedFields {
  return {
    id: row.id,
    organizationId: row.organization_id,
    seq: row.seq,
    occurredAt: new Date(row.occurred_at),
    actor: {
      type: row.actor_type,
      id: row.actor_id,
      username: row.actor_username,
      email: row.actor_email,
    },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    outcome: row.outcome,
    reason: row.reason,
    changes: row.changes,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    keyId: row.key_id ?? undefined,
  };
}
