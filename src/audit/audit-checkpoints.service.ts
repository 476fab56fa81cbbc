import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { CheckpointSigner, type Ed25519Jwk, type SignedCheckpoint } from './audit-keys';
import { actorOf, AuditService } from './audit.service';

interface CheckpointRow {
  organization_id: string;
  seq: string;
  head: string;
  at: Date | string;
  key_id: string;
  signature: string;
}

function signedOf(row: CheckpointRow): SignedCheckpoint {
  return {
    organizationId: row.organization_id,
    seq: row.seq,
    head: row.head,
    at: new Date(row.at).toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  };
}

/**
 * Signed checkpoints of each organization's audit chain: an Ed25519 signature
 * over { organizationId, seq, head, at, keyId }. An auditor who keeps them
 * outside Warden can later prove that the history up to `seq` is the one that
 * existed then, with the public key alone. Issued by the maintenance job and on
 * request; append-only like the events.
 */
@Injectable()
export class AuditCheckpointService {
  private readonly logger = new Logger('AuditCheckpoints');

  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly authz: AuthzService,
  ) {}

  publicKey(): Ed25519Jwk {
    return this.signer.publicJwk();
  }

  /**
   * Signs the chain's current head, first moving the chain onto the current key
   * if it is still on an older one (or unkeyed), so what is signed is sealed.
   * The head stays locked meanwhile. Returns the existing checkpoint when the
   * head has not moved since; null for an empty chain.
   */
  async issueInTransaction(
    em: EntityManager,
    organizationId: string,
  ): Promise<SignedCheckpoint | null> {
    let head = await this.audit.lockHead(em, organizationId);
    head = await this.audit.rotateIfDue(em, organizationId, head);
    if (head.seq === '0') return null;
    const connection = em.getConnection();
    const ctx: unknown = em.getTransactionContext();
    const [existing] = await connection.execute<CheckpointRow[]>(
      'select * from audit_checkpoints where organization_id = ? and seq = ?',
      [organizationId, head.seq],
      'all',
      ctx,
    );
    if (existing) return signedOf(existing);
    const signed = this.signer.sign({
      organizationId,
      seq: head.seq,
      head: head.hash,
      at: this.clock.now().toISOString(),
    });
    await connection.execute(
      `insert into audit_checkpoints (id, organization_id, seq, head, at, key_id, signature)
       values (?, ?, ?, ?, ?, ?, ?)`,
      [
        randomUUID(),
        organizationId,
        signed.seq,
        signed.head,
        signed.at,
        signed.keyId,
        signed.signature,
      ],
      'run',
      ctx,
    );
    return signed;
  }

  /** POST /audit-events/checkpoints: a checkpoint now, recorded (after it) in the trail. */
  async issue(principal: Principal): Promise<SignedCheckpoint | null> {
    await this.authz.assert(
      principal,
      'read',
      asSubject('AuditEvent', { organizationId: principal.organizationId }),
    );
    return this.em.fork().transactional(async (em) => {
      const checkpoint = await this.issueInTransaction(em, principal.organizationId);
      if (checkpoint !== null) {
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'auditEvent.checkpointIssued',
          target: { type: 'AuditEvent', id: null },
          changes: { checkpoint: { seq: checkpoint.seq, head: checkpoint.head } },
        });
      }
      return checkpoint;
    });
  }

  /** The maintenance job: a checkpoint for every organization whose chain moved since its last one. */
  async issueAll(): Promise<{ issued: number }> {
    const organizations = await this.em
      .fork()
      .getConnection()
      .execute<Array<{ id: string }>>('select id from organizations order by id');
    let issued = 0;
    for (const { id } of organizations) {
      const before = await this.latestSeq(id);
      const checkpoint = await this.em
        .fork()
        .transactional((em) => this.issueInTransaction(em, id));
      if (checkpoint !== null && checkpoint.seq !== before) issued += 1;
    }
    this.logger.log({ msg: 'Signed audit checkpoints', issued });
    return { issued };
  }

  async list(
    principal: Principal,
    page: { limit: number; beforeSeq?: string },
  ): Promise<{ items: SignedCheckpoint[]; nextCursor: string | null }> {
    await this.authz.assert(
      principal,
      'read',
      asSubject('AuditEvent', { organizationId: principal.organizationId }),
    );
    const rows = await this.em
      .fork()
      .getConnection()
      .execute<CheckpointRow[]>(
        `select * from audit_checkpoints where organization_id = ? ${page.beforeSeq ? 'and seq < ?' : ''}
          order by seq desc limit ?`,
        [principal.organizationId, ...(page.beforeSeq ? [page.beforeSeq] : []), page.limit + 1],
      );
    const items = rows.slice(0, page.limit).map(signedOf);
    return {
      items,
      nextCursor: rows.length > page.limit ? (items.at(-1)?.seq ?? null) : null,
    };
  }

  private async latestSeq(organizationId: string): Promise<string | undefined> {
    const [row] = await this.em
      .fork()
      .getConnection()
      .execute<Array<{ seq: string }>>(
        'select max(seq)::text as seq from audit_checkpoints where organization_id = ?',
        [organizationId],
      );
    return row?.seq ?? undefined;
  }
}
