import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { requestMeta } from '../common/request-context';
import { type ChainedFields, chainHash, GENESIS_HASH } from './audit-chain';
import { AuditKeyring } from './audit-keys';
import { type ActorType, AuditEvent, type Outcome } from './entities/audit-event.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { withoutSecrets } from './audit-secrets';

export interface AuditActor {
  type: ActorType;
  id: string | null;
  username?: string | null;
  email?: string | null;
}

export interface AuditEntry {
  organizationId: string;
  actor: AuditActor;
  /** `<subject>.<verb>` in lower camel case: `user.created`, `auth.loginFailed`. */
  action: string;
  target?: { type: string; id: string | null };
  outcome?: Outcome;
  reason?: string;
  /** Before/after of changed fields: `{ email: { from, to } }`. Secrets are stripped. */
  changes?: Record<string, unknown>;
}

/** An organization's chain head as last appended: seq, hash and the key of its MAC. */
export interface ChainHead {
  seq: string;
  hash: string;
  keyId: string | null;
}

/** Who acted, as audit events record it: a user, or an API key (with its owner's name, or its own). */
export function actorOf(principal: Principal): AuditActor {
  if (principal.kind === 'apiKey') {
    return {
      type: 'apiKey',
      id: principal.apiKeyId ?? null,
      username: principal.username,
      email: principal.email,
    };
  }
  return {
    type: 'user',
    id: principal.userId,
    username: principal.username,
    email: principal.email,
  };
}

/** How long an append waits for the one before it in this process (AuditService.inTurn). */
const APPEND_TURN_MS = 500;

/** Settles when `promise` does or after `ms`, whichever comes first. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** An event as the caller describes it, before the chain places it. */
type EventFields = Omit<ChainedFields, 'id' | 'seq' | 'occurredAt' | 'prevHash' | 'keyId'>;

/**
 * Writes audit events into the caller's transaction, so an action and its
 * event commit together or not at all. Each organization's events form a hash
 * chain whose every hash is sealed by an HMAC under a key outside the
 * database; the row lock on its chain head serialises concurrent writers.
 *
 * That lock is held from the statement that moves the head until the commit,
 * and every writer of the organization waits for it, so it is taken as late
 * as possible: an event is first appended on the head this process last
 * wrote, in one statement that moves the head only if it is still that one
 * (compare and set). Only when it has moved (another instance wrote, or a
 * transaction of this one rolled back) is the head read under its lock and
 * the event appended on it. Locking first cost one more round trip, and one
 * more turn of a busy event loop, under the lock: 1,000 invites spent most of
 * their time waiting for it.
 */
@Injectable()
export class AuditService {
  /** Organization months whose partition this process has seen exist ("<org id>:YYYY-MM"). */
  private readonly partitions = new Set<string>();
  /**
   * Each organization's chain head as this process last read or moved it: a
   * guess to append on, which the database checks (it may have moved since).
   */
  private readonly heads = new Map<string, ChainHead>();
  /** Per organization, the append this process started last: settles when it has its answer. */
  private readonly turns = new Map<string, Promise<void>>();
  /** Organizations whose head each open transaction has moved (and so holds locked). */
  private readonly holding = new WeakMap<object, Set<string>>();

  constructor(
    private readonly clock: Clock,
    private readonly em: EntityManager,
    private readonly keyring: AuditKeyring,
  ) {}

  /** Events a user caused or that are about them, oldest first. */
  async eventsByOrAbout(organizationId: string, userId: string): Promise<AuditEvent[]> {
    return this.em
      .fork()
      .find(
        AuditEvent,
        { $or: [{ actorId: userId }, { targetType: 'User', targetId: userId }] },
        scoped(organizationId, { orderBy: { seq: 'asc' } } as const),
      );
  }

  /** Forgets partitions known to exist, after retention dropped some. */
  forgetPartitions(): void {
    this.partitions.clear();
  }

  async record(em: EntityManager, entry: AuditEntry): Promise<void> {
    await this.recordAll(em, [entry]);
  }

  /**
   * Several events in the caller's transaction, each organization's in one
   * statement (in the order given): where many actions commit together, the
   * chain head's lock is taken once for all of them.
   */
  async recordAll(em: EntityManager, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!em.isInTransaction()) {
      await em.transactional((tx) => this.recordAll(tx, entries));
      return;
    }
    const meta = requestMeta();
    const byOrganization = new Map<string, EventFields[]>();
    for (const entry of entries) {
      const events = byOrganization.get(entry.organizationId) ?? [];
      events.push({
        organizationId: entry.organizationId,
        actor: {
          type: entry.actor.type,
          id: entry.actor.id,
          username: entry.actor.username ?? null,
          email: entry.actor.email ?? null,
        },
        action: entry.action,
        target: { type: entry.target?.type ?? null, id: entry.target?.id ?? null },
        outcome: entry.outcome ?? 'success',
        reason: entry.reason ?? null,
        changes: entry.changes ? (withoutSecrets(entry.changes) as Record<string, unknown>) : null,
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
      });
      byOrganization.set(entry.organizationId, events);
    }
    // Heads are taken in one order, so two transactions never wait on each other's.
    for (const organizationId of [...byOrganization.keys()].sort()) {
      const events = byOrganization.get(organizationId) ?? [];
      await this.inTurn(em, organizationId, async () => {
        const known = this.heads.get(organizationId);
        if (known !== undefined && (await this.appendOn(em, organizationId, known, events))) return;
        const head = await this.lockHead(em, organizationId);
        if (!(await this.appendOn(em, organizationId, head, events))) {
          throw new Error('audit chain head moved under its lock');
        }
      });
    }
  }

  /**
   * Runs an append on `organizationId`'s chain once the one this process
   * started before it has its answer, so that it guesses the head that one
   * wrote. Appended at once, concurrent transactions all guessed the same head:
   * all but one waited for its commit, failed the compare, and read the head
   * under its lock, holding it two round trips longer each (1,000 invites:
   * one append in two). In turn, each waits in PostgreSQL only for the commit
   * before it, and moves the head as soon as that commits.
   *
   * A transaction that already moved the head holds its lock and goes at once.
   * The wait is bounded: it is invisible to PostgreSQL's deadlock detection, so
   * a transaction that holds a row the head's holder waits for must not wait
   * here for ever; after APPEND_TURN_MS it goes anyway and PostgreSQL sees the cycle.
   */
  private async inTurn(
    em: EntityManager,
    organizationId: string,
    append: () => Promise<void>,
  ): Promise<void> {
    const transaction = em.getTransactionContext<object>();
    const holding = transaction === undefined ? undefined : this.holding.get(transaction);
    if (holding?.has(organizationId) === true) return append();
    const before = this.turns.get(organizationId);
    let done = (): void => undefined;
    const turn = new Promise<void>((resolve) => (done = resolve));
    this.turns.set(organizationId, turn);
    try {
      if (before !== undefined) await waitAtMost(before, APPEND_TURN_MS);
      await append();
      if (transaction !== undefined) {
        this.holding.set(transaction, (holding ?? new Set()).add(organizationId));
      }
    } finally {
      done();
      if (this.turns.get(organizationId) === turn) this.turns.delete(organizationId);
    }
  }

  /** Appends `events` on `head` (rotating the key first if due); false if the head has moved. */
  private async appendOn(
    em: EntityManager,
    organizationId: string,
    head: ChainHead,
    events: readonly EventFields[],
  ): Promise<boolean> {
    const rotated = await this.tryRotate(em, organizationId, head);
    return rotated !== null && (await this.append(em, organizationId, rotated, events)) !== null;
  }

  /**
   * The organization's chain head, locked for this transaction: every append
   * of the organization waits here, so seq and links stay one line.
   */
  async lockHead(em: EntityManager, organizationId: string): Promise<ChainHead> {
    const connection = em.getConnection();
    const ctx: unknown = em.getTransactionContext();
    const lock = () =>
      connection.execute<
        Array<{ last_seq: string; last_hash: string; last_key_id: string | null }>
      >(
        'select last_seq, last_hash, last_key_id from audit_chain_heads where organization_id = ? for update',
        [organizationId],
        'all',
        ctx,
      );
    // The head exists once an organization's first event is written: creating it
    // is asked of the database once per process, not once per event.
    let [head] = this.heads.has(organizationId) ? await lock() : [];
    if (head === undefined) {
      await connection.execute(
        'insert into audit_chain_heads (organization_id, last_seq, last_hash) values (?, 0, ?) on conflict do nothing',
        [organizationId, GENESIS_HASH],
        'run',
        ctx,
      );
      [head] = await lock();
    }
    if (head === undefined) throw new Error('audit chain head missing');
    const locked = { seq: head.last_seq, hash: head.last_hash, keyId: head.last_key_id };
    this.heads.set(organizationId, locked);
    return locked;
  }

  /**
   * Moves a chain onto the current key with an event of its own, keyed under
   * the new key and linked to the last event under the old one (or to the
   * unkeyed head of a chain written before keys existed). Only forward: a head
   * under a key this instance does not know (a newer one, mid-deploy) is left
   * as it is, so two versions never rotate back and forth. For a head the
   * caller holds locked (lockHead).
   */
  async rotateIfDue(
    em: EntityManager,
    organizationId: string,
    head: ChainHead,
  ): Promise<ChainHead> {
    const rotated = await this.tryRotate(em, organizationId, head);
    if (rotated === null) throw new Error('audit chain head moved under its lock');
    return rotated;
  }

  /** rotateIfDue on a head that may have moved: null if it has. */
  private async tryRotate(
    em: EntityManager,
    organizationId: string,
    head: ChainHead,
  ): Promise<ChainHead | null> {
    const current = this.keyring.currentId;
    const due =
      head.keyId === null
        ? head.seq !== '0'
        : head.keyId !== current && this.keyring.isPrevious(head.keyId);
    if (!due) return head;
    return this.append(em, organizationId, head, [
      {
        organizationId,
        actor: { type: 'system', id: null, username: null, email: null },
        action: 'auditEvent.chainKeyRotated',
        target: { type: 'AuditEvent', id: null },
        outcome: 'success',
        reason: null,
        changes: { keyId: { from: head.keyId, to: current }, anchoredSeq: head.seq },
        ip: null,
        userAgent: null,
        requestId: null,
      },
    ]);
  }

  /**
   * Appends `events` right after `head`, in order, and moves the
   * organization's head onto the last, if the head is still `head`; null (and
   * nothing written) if it has moved. Moving the head takes its row lock until
   * the transaction ends.
   */
  private async append(
    em: EntityManager,
    organizationId: string,
    head: ChainHead,
    events: readonly EventFields[],
  ): Promise<ChainHead | null> {
    const connection = em.getConnection();
    const ctx: unknown = em.getTransactionContext();
    const rows: unknown[] = [];
    let last = head;
    for (const event of events) {
      const fields: ChainedFields = {
        ...event,
        id: randomUUID(),
        seq: String(BigInt(last.seq) + 1n),
        occurredAt: this.clock.now(),
        prevHash: last.hash,
        keyId: this.keyring.currentId,
      };
      const hash = chainHash(fields);
      const month = `${fields.organizationId}:${fields.occurredAt.toISOString().slice(0, 7)}`;
      if (!this.partitions.has(month)) {
        await connection.execute(
          'select audit_ensure_partition(?, ?)',
          [fields.organizationId, fields.occurredAt],
          'run',
          ctx,
        );
        this.partitions.add(month);
      }
      rows.push(
        fields.id,
        fields.organizationId,
        fields.seq,
        fields.occurredAt,
        fields.actor.type,
        fields.actor.id,
        fields.actor.username,
        fields.actor.email,
        fields.action,
        fields.target.type,
        fields.target.id,
        fields.outcome,
        fields.reason,
        fields.changes === null ? null : JSON.stringify(fields.changes),
        fields.ip,
        fields.userAgent,
        fields.requestId,
        fields.prevHash,
        hash,
        fields.keyId,
        this.keyring.mac(this.keyring.currentId, hash),
      );
      last = { seq: fields.seq, hash, keyId: fields.keyId ?? null };
    }
    // The moved head and the events in one statement; no head moved, no events.
    // The comparison is in the SET, not the WHERE: a WHERE is first checked
    // against the row as the statement's snapshot sees it, so a guess on a head
    // that a transaction still open has written (the append before, in turn)
    // could never match. The row is always locked (after that transaction ends)
    // and the comparison made on its latest version; a head that has moved is
    // left as it is, and the caller re-reads it under the lock now held.
    // The values are typed where text would not convert on insert.
    const result = await connection.execute<{ affectedRows: number }>(
      `with guess as (select ?::bigint as seq, ?::text as hash, ?::bigint as next_seq, ?::text as next_hash,
                            ?::text as next_key_id),
       head as (
         update audit_chain_heads h
            set last_seq = case when (h.last_seq, h.last_hash) = (g.seq, g.hash) then g.next_seq else h.last_seq end,
                last_hash = case when (h.last_seq, h.last_hash) = (g.seq, g.hash) then g.next_hash else h.last_hash end,
                last_key_id = case when (h.last_seq, h.last_hash) = (g.seq, g.hash) then g.next_key_id else h.last_key_id end
           from guess g
          where h.organization_id = ?
         returning (h.last_seq, h.last_hash) = (g.next_seq, g.next_hash) as moves)
       insert into audit_events (id, organization_id, seq, occurred_at, actor_type, actor_id, actor_username,
         actor_email, action, target_type, target_id, outcome, reason, changes, ip, user_agent, request_id,
         prev_hash, hash, key_id, mac)
       select v.* from head, (values ${events.map(() => EVENT_VALUES).join(', ')}) as v where head.moves`,
      [head.seq, head.hash, last.seq, last.hash, last.keyId, organizationId, ...rows],
      'run',
      ctx,
    );
    if (result.affectedRows !== events.length) return null;
    this.heads.set(organizationId, last);
    return last;
  }
}

/** One event's row of values, in audit_events' column order. */
const EVENT_VALUES =
  '(?::uuid, ?::uuid, ?::bigint, ?::timestamptz, ?, ?::uuid, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)';
