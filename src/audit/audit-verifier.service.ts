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
    reason: 'altered' | 'missing predecessor' | 'broken link';
  };
}

const BATCH = 5_000;

/**
 * Recomputes an organization's hash chain, in seq order and in batches
 * (constant memory), and names the first event that was altered, or whose
 * predecessor was removed or replaced.
 */
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
    const connection = this.em.getConnection();
    const organizationId = principal.organizationId;
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
    let after = '0';
    for (;;) {
      const rows = await connection.execute<AuditEventRow[]>(
        `select * from audit_events where organization_id = ? and seq > ? ${bounds.join(' ')}
          order by seq limit ${BATCH}`,
        [organizationId, after, ...boundValues],
      );
      for (const row of rows) {
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
      }
      if (rows.length < BATCH) return { valid: true, checked };
      after = rows[rows.length - 1]?.seq ?? after;
    }
  }

  private invalid(
    checked: number,
    row: AuditEventRow,
    reason: NonNullable<VerificationResult['firstInvalid']>['reason'],
  ): VerificationResult {
    return { valid: false, checked, firstInvalid: { id: row.id, seq: row.seq, reason } };
  }
}
