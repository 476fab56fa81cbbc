import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { type ChainedFields, chainHash, GENESIS_HASH } from './audit-chain';

interface ChainRow {
  id: string;
  seq: string;
  occurred_at: string;
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
}

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
      const rows = await connection.execute<ChainRow[]>(
        `select * from audit_events where organization_id = ? and seq > ? ${bounds.join(' ')}
          order by seq limit ${BATCH}`,
        [organizationId, after, ...boundValues],
      );
      for (const row of rows) {
        if (expectedPrev === null) {
          // The first event of the range links to its stored predecessor, or to the genesis hash.
          const [previous] = await connection.execute<Array<{ hash: string }>>(
            'select hash from audit_events where organization_id = ? and seq = ?',
            [organizationId, String(BigInt(row.seq) - 1n)],
          );
          expectedPrev = previous?.hash ?? (row.seq === '1' ? GENESIS_HASH : null);
          expectedSeq = BigInt(row.seq);
          if (expectedPrev === null) return this.invalid(checked, row, 'missing predecessor');
        }
        if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== expectedPrev)
          return this.invalid(checked, row, 'broken link');
        if (chainHash(this.fieldsOf(row, organizationId)) !== row.hash)
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
    row: ChainRow,
    reason: NonNullable<VerificationResult['firstInvalid']>['reason'],
  ): VerificationResult {
    return { valid: false, checked, firstInvalid: { id: row.id, seq: row.seq, reason } };
  }

  private fieldsOf(row: ChainRow, organizationId: string): ChainedFields {
    return {
      id: row.id,
      organizationId,
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
    };
  }
}
