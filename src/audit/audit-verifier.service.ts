import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type AuditEventRow, chainedFieldsOf, chainHash, GENESIS_HASH } from './audit-chain';
import {
  AuditKeyring,
  CheckpointSigner,
  checkpointSignatureValid,
  type Ed25519Jwk,
} from './audit-keys';

export type InvalidReason =
  /** The event's content no longer gives its hash, or its MAC does not seal that hash. */
  | 'altered'
  | 'missing predecessor'
  | 'broken link'
  | 'inserted'
  /** An event without a MAC after the chain was keyed: history re-hashed without the key. */
  | 'unkeyed after keyed'
  | 'unknown key'
  /** Events are missing at the end: the chain head, or a signed checkpoint, names a later one. */
  | 'truncated'
  /** The chain is consistent but the event a signed checkpoint vouches for is not the one stored. */
  | 'diverges from signed checkpoint'
  | 'forged checkpoint';

export interface VerificationResult {
  valid: boolean;
  checked: number;
  firstInvalid?: { id: string | null; seq: string; reason: InvalidReason };
  /**
   * The latest signed checkpoint the verified events reach (their hash is the
   * one it signed); null when none does, which means nothing outside the
   * database vouches for this history yet.
   */
  checkpoint: { seq: string; at: string } | null;
}

interface CheckpointRow {
  organization_id: string;
  seq: string;
  head: string;
  at: Date | string;
  key_id: string;
  signature: string;
}

const BATCH = 5_000;

/** GET /audit-events/verify: the caller's organization, for roles that may read the trail. */
@Injectable()
export class AuditVerifierService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly keyring: AuditKeyring,
    private readonly signer: CheckpointSigner,
  ) {}

  async verify(
    principal: Principal,
    range: { from?: string; to?: string },
  ): Promise<VerificationResult> {
    await this.authz.assert(
      principal,
      'read',
      asSubject('AuditEvent', { organizationId: principal.organizationId }),
    );
    return new AuditChainVerifier(this.em, this.keyring, this.signer.publicJwk()).verify(
      principal.organizationId,
      range,
    );
  }
}

/**
 * Recomputes an organization's chain, in seq order and in batches (constant
 * memory): every hash from its event's content, every MAC under its key, every
 * link, and every signed checkpoint met on the way. Names the first event that
 * was altered, inserted, re-hashed without the key, or whose predecessor or
 * successors were removed.
 */
export class AuditChainVerifier {
  constructor(
    private readonly em: EntityManager,
    private readonly keyring: AuditKeyring,
    private readonly publicKey: Ed25519Jwk,
  ) {}

  async verify(
    organizationId: string,
    range: { from?: string; to?: string },
  ): Promise<VerificationResult> {
    const connection = this.em.getConnection();
    const bounds: string[] = [];
    const boundValues: Date[] = [];
    if (range.from) {
      bounds.push('and occurred_at >= ?');
      boundValues.push(new Date(range.from));
    }
    if (range.to) {
      bounds.push('and occurred_at < ?');
      boundValues.push(new Date(range.to));
    }
    const checkpoints = await connection.execute<CheckpointRow[]>(
      'select * from audit_checkpoints where organization_id = ? order by seq',
      [organizationId],
    );
    const bySeq = new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
    let reached: VerificationResult['checkpoint'] = null;
    let checked = 0;
    let expectedPrev: string | null = null;
    let expectedSeq: bigint | null = null;
    let keyed = false;
    let previousRow: AuditEventRow | null = null;
    let head: { seq: bigint; hash: string } | null = null;
    let after = { seq: '0', id: '00000000-0000-0000-0000-000000000000' };
    const invalid = (row: { id: string | null; seq: string }, reason: InvalidReason) => ({
      valid: false,
      checked,
      firstInvalid: { id: row.id, seq: row.seq, reason },
      checkpoint: reached,
    });
    for (;;) {
      const rows = await connection.execute<AuditEventRow[]>(
        `select * from audit_events where organization_id = ? and (seq, id) > (?, ?) ${bounds.join(' ')}
          order by seq, id limit ${BATCH}`,
        [organizationId, after.seq, after.id, ...boundValues],
      );
      for (const row of rows) {
        if (previousRow !== null && row.seq === previousRow.seq) {
          // Two events claim one place: the genuine one is what the chain continues from.
          const next = await this.nextPrevHash(organizationId, row.seq);
          if (next === row.hash) {
            checked -= 1;
            return invalid(previousRow, 'inserted');
          }
          return invalid(row, 'inserted');
        }
        // An event past the chain head was never written by Warden (the head moves in the same
        // transaction as every append, so a fresh read covers anything committed since).
        if (head === null || BigInt(row.seq) > head.seq) head = await this.head(organizationId);
        if (head === null || BigInt(row.seq) > head.seq) return invalid(row, 'inserted');
        if (expectedPrev === null) {
          // The first event of the range links to its stored predecessor, to the genesis hash,
          // or to a retention anchor.
          const [previous] = await connection.execute<
            Array<{ hash: string; key_id: string | null }>
          >('select hash, key_id from audit_events where organization_id = ? and seq = ?', [
            organizationId,
            String(BigInt(row.seq) - 1n),
          ]);
          // Past a retention drop, the anchor holds the hash of the last dropped event.
          const [anchor] = previous
            ? []
            : await connection.execute<Array<{ prev_hash: string }>>(
                'select prev_hash from audit_chain_anchors where organization_id = ? and first_seq = ?',
                [organizationId, row.seq],
              );
          expectedPrev =
            previous?.hash ?? (row.seq === '1' ? GENESIS_HASH : (anchor?.prev_hash ?? null));
          expectedSeq = BigInt(row.seq);
          keyed = (previous?.key_id ?? null) !== null;
          if (expectedPrev === null) return invalid(row, 'missing predecessor');
        }
        if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== expectedPrev)
          return invalid(row, 'broken link');
        if (row.key_id === null) {
          if (keyed) return invalid(row, 'unkeyed after keyed');
        } else if (!this.keyring.knows(row.key_id)) {
          return invalid(row, 'unknown key');
        }
        const sealed =
          chainHash(chainedFieldsOf(row)) === row.hash &&
          (row.key_id === null ||
            (row.mac !== null && this.keyring.macMatches(row.key_id, row.hash, row.mac)));
        if (!sealed) {
          // A forged event beside the genuine one at its place was inserted, not altered.
          return invalid(row, (await this.seqTaken(organizationId, row)) ? 'inserted' : 'altered');
        }
        if (row.key_id !== null) keyed = true;
        const checkpoint = bySeq.get(row.seq);
        if (checkpoint !== undefined) {
          if (!this.signedByUs(checkpoint)) return invalid(row, 'forged checkpoint');
          if (checkpoint.head !== row.hash) return invalid(row, 'diverges from signed checkpoint');
          reached = { seq: checkpoint.seq, at: new Date(checkpoint.at).toISOString() };
        }
        checked += 1;
        expectedPrev = row.hash;
        expectedSeq = BigInt(row.seq) + 1n;
        previousRow = row;
      }
      if (rows.length < BATCH || previousRow === null) break;
      after = { seq: previousRow.seq, id: previousRow.id };
    }
    if (range.to === undefined) {
      // Nothing may be missing after the last event: not what the head names, and not what
      // a signed checkpoint vouched for (a head rewritten along with a deleted tail).
      const last = previousRow === null ? 0n : BigInt(previousRow.seq);
      head = await this.head(organizationId);
      const latest = checkpoints.at(-1);
      const expectedLast = [
        head?.seq ?? 0n,
        latest && this.signedByUs(latest) ? BigInt(latest.seq) : 0n,
      ].reduce((a, b) => (a > b ? a : b));
      if (expectedLast > last) return invalid({ id: null, seq: String(last + 1n) }, 'truncated');
    }
    return { valid: true, checked, checkpoint: reached };
  }

  private signedByUs(checkpoint: CheckpointRow): boolean {
    return checkpointSignatureValid(
      {
        organizationId: checkpoint.organization_id,
        seq: checkpoint.seq,
        head: checkpoint.head,
        at: new Date(checkpoint.at).toISOString(),
        keyId: checkpoint.key_id,
        signature: checkpoint.signature,
      },
      this.publicKey,
    );
  }

  private async head(organizationId: string): Promise<{ seq: bigint; hash: string } | null> {
    const [row] = await this.em
      .getConnection()
      .execute<Array<{ last_seq: string; last_hash: string }>>(
        'select last_seq, last_hash from audit_chain_heads where organization_id = ?',
        [organizationId],
      );
    return row ? { seq: BigInt(row.last_seq), hash: row.last_hash } : null;
  }

  private async seqTaken(organizationId: string, row: AuditEventRow): Promise<boolean> {
    const [other] = await this.em
      .getConnection()
      .execute<Array<{ id: string }>>(
        'select id from audit_events where organization_id = ? and seq = ? and id <> ? limit 1',
        [organizationId, row.seq, row.id],
      );
    return other !== undefined;
  }

  /** The hash the event after `seq` links to (the chain head's, for the last event). */
  private async nextPrevHash(organizationId: string, seq: string): Promise<string | undefined> {
    const [next] = await this.em
      .getConnection()
      .execute<Array<{ prev_hash: string }>>(
        'select prev_hash from audit_events where organization_id = ? and seq = ? limit 1',
        [organizationId, String(BigInt(seq) + 1n)],
      );
    if (next) return next.prev_hash;
    const head = await this.head(organizationId);
    return head?.seq === BigInt(seq) ? head.hash : undefined;
  }
}
