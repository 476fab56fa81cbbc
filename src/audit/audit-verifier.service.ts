import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type AuditEventRow, chainedFieldsOf, chainHash, GENESIS_HASH } from './audit-chain';

export interface VerificationResult {
  valid: boolean;
  checked: number;
  firstInvalid?: {
    id: string;
    seq: string;
    reason: 'altered' | 'missing predecessor' | 'broken link' | 'inserted';
  };
}

const BATCH = 5_000;

/** GET /audit-events/verify: the caller's organization, for roles that may read the trail. */
@Injectable()
export class AuditVerifierService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
  ) {}

  async verify(
    principal: Principal,
    range: { from?: string; to?: string },
  ): Promise<VerificationResult> {
    await this.authz.assert(principal, 'read', {
      __caslSubjectType__: 'AuditEvent',
      organizationId: principal.organizationId,
    });
    return new AuditChainVerifier(this.em).verify(principal.organizationId, range);
  }
}

/**
 * Recomputes an organization's hash chain, in seq order and in batches
 * (constant memory), and names the first event that was altered, or whose
 * predecessor was removed or replaced.
 */
export class AuditChainVerifier {
  constructor(private readonly em: EntityManager) {}

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
    let checked = 0;
    let expectedPrev: string | null = null;
    let expectedSeq: bigint | null = null;
    let previousRow: AuditEventRow | null = null;
    let head: { seq: bigint; hash: string } | null = null;
    let after = { seq: '0', id: '00000000-0000-0000-0000-000000000000' };
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
          return next === row.hash
            ? this.invalid(checked - 1, previousRow, 'inserted')
            : this.invalid(checked, row, 'inserted');
        }
        // An event past the chain head was never written by Warden (the head moves in the same
        // transaction as every append, so a fresh read covers anything committed since).
        if (head === null || BigInt(row.seq) > head.seq) head = await this.head(organizationId);
        if (head === null || BigInt(row.seq) > head.seq)
          return this.invalid(checked, row, 'inserted');
        if (expectedPrev === null) {
          // The first event of the range links to its stored predecessor, to the genesis hash,
          // or to a retention anchor.
          const [previous] = await connection.execute<Array<{ hash: string }>>(
            'select hash from audit_events where organization_id = ? and seq = ?',
            [organizationId, String(BigInt(row.seq) - 1n)],
          );
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
          if (expectedPrev === null) return this.invalid(checked, row, 'missing predecessor');
        }
        if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== expectedPrev)
          return this.invalid(checked, row, 'broken link');
        if (chainHash(chainedFieldsOf(row)) !== row.hash)
          return this.invalid(checked, row, 'altered');
        checked += 1;
        expectedPrev = row.hash;
        expectedSeq = BigInt(row.seq) + 1n;
        previousRow = row;
      }
      if (rows.length < BATCH || previousRow === null) return { valid: true, checked };
      after = { seq: previousRow.seq, id: previousRow.id };
    }
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

  private invalid(
    checked: number,
    row: AuditEventRow,
    reason: NonNullable<VerificationResult['firstInvalid']>['reason'],
  ): VerificationResult {
    return { valid: false, checked, firstInvalid: { id: row.id, seq: row.seq, reason } };
  }
}
