import { type ChainedFields, chainHash, GENESIS_HASH } from './audit-chain';
import { checkpointSignatureValid, type Ed25519Jwk, type SignedCheckpoint } from './audit-keys';

/** One event as the NDJSON (or JSON) export writes it: the chained fields, the time as text, the hash. */
type ExportedEvent = Omit<ChainedFields, 'organizationId' | 'occurredAt' | 'keyId'> & {
  occurredAt: string;
  hash: string;
  keyId?: string | null;
};

export type OfflineInvalidReason =
  | 'checkpoint signature invalid'
  | 'not an export line'
  | 'altered'
  | 'broken link'
  | 'diverges from signed checkpoint'
  | 'does not reach the checkpoint';

export interface OfflineVerification {
  valid: boolean;
  /** Events whose hash and link were recomputed. */
  checked: number;
  checkpoint: { seq: string; at: string; reached: boolean };
  firstInvalid?: { line: number; seq: string | null; reason: OfflineInvalidReason };
}

/** An export line as an event: NDJSON lines, or the lines of the JSON array format. */
function eventOf(line: string): ExportedEvent | null | 'skip' {
  const trimmed = line.trim().replace(/^,/, '');
  if (trimmed === '' || trimmed === '[' || trimmed === ']') return 'skip';
  try {
    const value = JSON.parse(trimmed) as Partial<ExportedEvent>;
    return typeof value.seq === 'string' && typeof value.hash === 'string'
      ? (value as ExportedEvent)
      : null;
  } catch {
    return null;
  }
}

/**
 * Verifies an audit export against a signed checkpoint with no database and no
 * secret: the checkpoint's signature under the published key; every event's
 * hash recomputed from its content (SHA-256 over canonical JSON, as Warden
 * computes it); every link to the event before; and, at the checkpoint's seq,
 * the very hash the checkpoint signed. A changed byte in any event up to the
 * checkpoint changes its hash, and so breaks a link or the signed head.
 */
export async function verifyExport(
  lines: AsyncIterable<string>,
  checkpoint: SignedCheckpoint,
  publicKey: Ed25519Jwk,
): Promise<OfflineVerification> {
  const summary = { seq: checkpoint.seq, at: checkpoint.at, reached: false };
  let checked = 0;
  const fail = (line: number, seq: string | null, reason: OfflineInvalidReason) => ({
    valid: false,
    checked,
    checkpoint: summary,
    firstInvalid: { line, seq, reason },
  });
  if (!checkpointSignatureValid(checkpoint, publicKey))
    return fail(0, null, 'checkpoint signature invalid');

  let previous: ExportedEvent | null = null;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    const event = eventOf(line);
    if (event === 'skip') continue;
    if (event === null) return fail(number, null, 'not an export line');
    const recomputed = chainHash({
      id: event.id,
      organizationId: checkpoint.organizationId,
      seq: event.seq,
      occurredAt: new Date(event.occurredAt),
      actor: event.actor,
      action: event.action,
      target: event.target,
      outcome: event.outcome,
      reason: event.reason,
      changes: event.changes,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
      prevHash: event.prevHash,
      keyId: event.keyId ?? undefined,
    });
    if (recomputed !== event.hash) return fail(number, event.seq, 'altered');
    const linked =
      previous === null
        ? event.seq !== '1' || event.prevHash === GENESIS_HASH
        : BigInt(event.seq) === BigInt(previous.seq) + 1n && event.prevHash === previous.hash;
    if (!linked) return fail(number, event.seq, 'broken link');
    if (event.seq === checkpoint.seq) {
      if (event.hash !== checkpoint.head)
        return fail(number, event.seq, 'diverges from signed checkpoint');
      summary.reached = true;
    }
    checked += 1;
    previous = event;
  }
  if (!summary.reached) return fail(number, previous?.seq ?? null, 'does not reach the checkpoint');
  return { valid: true, checked, checkpoint: summary };
}
