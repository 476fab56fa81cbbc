import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/crypto/canonical-json';

/** The prev_hash of an organization's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its hash covers (everything but the hash itself). */
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
}

/** SHA-256 over the canonical JSON of the event, which includes the previous event's hash. */
export function chainHash(fields: ChainedFields): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}
