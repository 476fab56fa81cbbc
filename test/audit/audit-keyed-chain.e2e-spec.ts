import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type AuditEventRow, chainedFieldsOf, chainHash } from '../../src/audit/audit-chain';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditCheckpointService } from '../../src/audit/audit-checkpoints.service';
import { AuditKeyring, CheckpointSigner } from '../../src/audit/audit-keys';
import { AuditChainVerifier } from '../../src/audit/audit-verifier.service';
import { signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The keyed chain and signed checkpoints against someone who can write the
 * database (a superuser who switches the append-only trigger off) but does not
 * hold the chain key or the signing key.
 */
describe('Keyed audit chain and signed checkpoints', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ env: { WORKERS_ENABLED: 'false' } });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const as = (who: SignedIn) => ({
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
  });
  const verify = async () => (await as(owner).get('/api/v1/audit-events/verify').expect(200)).body;
  const checkpoint = async () =>
    (await as(owner).post('/api/v1/audit-events/checkpoints').expect(201)).body;
  const makeEvents = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      await as(owner)
        .post('/api/v1/groups', { name: `group ${randomBytes(4).toString('hex')}` })
        .expect(201);
    }
  };
  const rows = async () =>
    (await db.query<AuditEventRow>('select * from audit_events order by seq')).rows;

  /** Runs `work` with the append-only triggers off, as a superuser could. */
  const tampering = async (work: () => Promise<void>) => {
    await db.query('begin');
    try {
      await db.query('alter table audit_events disable trigger audit_events_append_only');
      await work();
      await db.query('alter table audit_events enable trigger audit_events_append_only');
      await db.query('commit');
    } catch (error) {
      await db.query('rollback');
      throw error;
    }
  };
  /** Writes these rows back over the stored ones (same ids), every column. */
  const overwrite = async (changed: AuditEventRow[]) => {
    for (const row of changed) {
      await db.query(
        `update audit_events set reason = $2, prev_hash = $3, hash = $4, key_id = $5, mac = $6
          where id = $1`,
        [row.id, row.reason, row.prev_hash, row.hash, row.key_id, row.mac],
      );
    }
  };
  /** Rewrites one event and re-hashes every later one with plain SHA-256, as the old chain allowed. */
  const rewriteFrom = async (index: number, unkeyed: boolean) => {
    const all = await rows();
    const changed = all.slice(index).map((row) => ({ ...row }));
    const first = changed[0];
    if (first === undefined) throw new Error('nothing to rewrite');
    first.reason = 'nothing happened here';
    let previousHash = all[index - 1]?.hash ?? '0'.repeat(64);
    for (const row of changed) {
      row.prev_hash = previousHash;
      if (unkeyed) {
        row.key_id = null;
        row.mac = null;
      }
      row.hash = chainHash(chainedFieldsOf(row));
      previousHash = row.hash;
    }
    await tampering(() => overwrite(changed));
    await db.query(
      'update audit_chain_heads set last_hash = $1, last_key_id = $2 where organization_id = $3',
      [previousHash, changed.at(-1)?.key_id ?? null, first.organization_id],
    );
    return { all, victim: first };
  };

  it('keys every new event: a key id and a MAC beside its hash, and the chain verifies', async () => {
    await makeEvents(5);
    const stored = await rows();
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.every((row) => row.key_id !== null && /^[0-9a-f]{64}$/.test(row.mac ?? ''))).toBe(
      true,
    );
    expect(new Set(stored.map((row) => row.key_id))).toEqual(
      new Set([new AuditKeyring(t.config.audit.chainKey ?? '').currentId]),
    );
    expect(await verify()).toMatchObject({ valid: true, checked: stored.length });
  });

  it('catches one event rewritten and the rest re-hashed with SHA-256 (the MACs do not match)', async () => {
    await makeEvents(3);
    const { all, victim } = await rewriteFrom(3, false);
    expect(await verify()).toMatchObject({
      valid: false,
      checked: 3,
      firstInvalid: { id: victim.id, seq: victim.seq, reason: 'altered' },
    });
    await tampering(() => overwrite(all.slice(3)));
    await db.query('update audit_chain_heads set last_hash = $1, last_key_id = $2', [
      all.at(-1)?.hash,
      all.at(-1)?.key_id,
    ]);
    expect((await verify()).valid).toBe(true);
  });

  it('catches the same rewrite with the MACs dropped (unkeyed events after keyed ones)', async () => {
    const { all, victim } = await rewriteFrom(4, true);
    expect((await verify()).firstInvalid).toEqual({
      id: victim.id,
      seq: victim.seq,
      reason: 'unkeyed after keyed',
    });
    await tampering(() => overwrite(all.slice(4)));
    await db.query('update audit_chain_heads set last_hash = $1, last_key_id = $2', [
      all.at(-1)?.hash,
      all.at(-1)?.key_id,
    ]);
    expect((await verify()).valid).toBe(true);
  });

  it('catches the whole history rewritten without keys through the signed checkpoint', async () => {
    const signed = await checkpoint();
    expect(signed).toMatchObject({ seq: expect.stringMatching(/^\d+$/), head: expect.any(String) });
    expect((await verify()).checkpoint).toEqual({ seq: signed.seq, at: signed.at });
    // Everything re-hashed from the first event, unkeyed: a chain consistent in itself.
    const { all } = await rewriteFrom(0, true);
    const result = await verify();
    expect(result.valid).toBe(false);
    expect(result.firstInvalid).toMatchObject({
      seq: signed.seq,
      reason: 'diverges from signed checkpoint',
    });
    await tampering(() => overwrite(all));
    await db.query('update audit_chain_heads set last_hash = $1, last_key_id = $2', [
      all.at(-1)?.hash,
      all.at(-1)?.key_id,
    ]);
    expect((await verify()).valid).toBe(true);
  });

  it('catches a deleted tail, with or without the chain head rewritten to match', async () => {
    await makeEvents(2);
    const signed = await checkpoint();
    await makeEvents(2);
    const all = await rows();
    const cut = all.filter((row) => BigInt(row.seq) >= BigInt(signed.seq) - 1n);
    await tampering(async () => {
      await db.query('delete from audit_events where seq >= $1', [cut[0]?.seq]);
    });
    // The head still names the last event: the tail is missing.
    expect((await verify()).firstInvalid).toEqual({
      id: null,
      seq: cut[0]?.seq,
      reason: 'truncated',
    });
    // The head rewritten to the new last event: the signed checkpoint still names a later one.
    const last = all.find((row) => BigInt(row.seq) === BigInt(signed.seq) - 2n);
    await db.query('update audit_chain_heads set last_seq = $1, last_hash = $2', [
      last?.seq,
      last?.hash,
    ]);
    expect((await verify()).firstInvalid).toEqual({
      id: null,
      seq: cut[0]?.seq,
      reason: 'truncated',
    });
    // Put it all back.
    const columns = Object.keys(all[0] ?? {}) as Array<keyof AuditEventRow>;
    for (const row of cut) {
      await db.query(
        `insert into audit_events (${columns.join(', ')})
         values (${columns.map((_, index) => `$${index + 1}`).join(', ')})`,
        columns.map((column) =>
          column === 'changes' && row.changes !== null ? JSON.stringify(row.changes) : row[column],
        ),
      );
    }
    await db.query('update audit_chain_heads set last_seq = $1, last_hash = $2', [
      all.at(-1)?.seq,
      all.at(-1)?.hash,
    ]);
    expect((await verify()).valid).toBe(true);
  });

  it('keeps checkpoints append-only, and serves the key that verifies them', async () => {
    await expect(db.query('delete from audit_checkpoints')).rejects.toThrow(/append-only/);
    await expect(db.query("update audit_checkpoints set head = 'x'")).rejects.toThrow(
      /append-only/,
    );
    const key = (await t.http.get('/api/v1/audit-events/public-key').expect(200)).body;
    expect(key).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      kid: expect.any(String),
    });
    const list = await as(owner).get('/api/v1/audit-events/checkpoints?limit=1').expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].keyId).toBe(key.kid);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const older = await as(owner)
      .get(`/api/v1/audit-events/checkpoints?limit=200&cursor=${list.body.nextCursor}`)
      .expect(200);
    expect(
      older.body.items.every(
        (item: { seq: string }) => Number(item.seq) < Number(list.body.items[0].seq),
      ),
    ).toBe(true);
    const issued = await db.query(
      "select actor_id from audit_events where action = 'auditEvent.checkpointIssued'",
    );
    expect(issued.rows.length).toBeGreaterThan(0);
    expect(issued.rows[0].actor_id).toBe(owner.id);
  });
});

describe('Rotating the audit chain key', () => {
  const oldKey = randomBytes(32).toString('hex');
  const newKey = randomBytes(32).toString('hex');
  let first: TestApp;
  let db: Client;

  beforeAll(async () => {
    first = await startTestApp({ env: { WORKERS_ENABLED: 'false', AUDIT_CHAIN_KEY: oldKey } });
    const owner = await signInOwner(first);
    for (let i = 0; i < 3; i += 1) {
      await first.http
        .post('/api/v1/groups')
        .set('authorization', owner.auth)
        .send({ name: `before ${i}` })
        .expect(201);
    }
    await first.stop();
    db = new Client({ connectionString: first.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await first.close();
  });

  /** Another deployment of the same database with these keys. */
  const restart = (env: Record<string, string>) =>
    startTestApp({
      databaseUrl: () => first.databaseUrl,
      env: { WORKERS_ENABLED: 'false', ...env },
    });

  it('links 200 concurrent writers after one rotation event: none lost, none linked twice, old events still verify', async () => {
    const before = (await db.query<{ n: string }>('select count(*) as n from audit_events')).rows[0]
      ?.n;
    const second = await restart({ AUDIT_CHAIN_KEY: newKey, AUDIT_CHAIN_PREVIOUS_KEYS: oldKey });
    try {
      const owner = await signInOwner(second);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          second.http
            .post('/api/v1/groups')
            .set('authorization', owner.auth)
            .send({ name: `during ${i}` }),
        ),
      );
      expect(results.map((response) => response.status)).toEqual(Array(200).fill(201));

      const { rows } = await db.query<AuditEventRow>('select * from audit_events order by seq');
      // Contiguous seqs, each linking to the one before: nothing lost, nothing linked twice.
      rows.forEach((row, index) => {
        expect(row.seq).toBe(String(index + 1));
        if (index > 0) expect(row.prev_hash).toBe(rows[index - 1]?.hash);
      });
      const rotations = rows.filter((row) => row.action === 'auditEvent.chainKeyRotated');
      expect(rotations).toHaveLength(1);
      const oldId = new AuditKeyring(oldKey).currentId;
      const newId = new AuditKeyring(newKey).currentId;
      expect(rotations[0]?.changes).toMatchObject({ keyId: { from: oldId, to: newId } });
      expect(
        rows.filter((row) => row.action === 'group.created' && row.key_id === newId),
      ).toHaveLength(200);
      // One sign-in event, the rotation and the 200 groups came after the old events.
      expect(rows.length).toBe(Number(before) + 1 + 1 + 200);
      const verified = await second.http
        .get('/api/v1/audit-events/verify')
        .set('authorization', owner.auth)
        .expect(200);
      expect(verified.body).toMatchObject({ valid: true, checked: rows.length });
    } finally {
      await second.close();
    }
  });

  it('cannot verify events under a key it was not given', async () => {
    const third = await restart({ AUDIT_CHAIN_KEY: newKey });
    try {
      const owner = await signInOwner(third);
      const verified = await third.http
        .get('/api/v1/audit-events/verify')
        .set('authorization', owner.auth)
        .expect(200);
      expect(verified.body.firstInvalid).toMatchObject({ seq: '1', reason: 'unknown key' });
    } finally {
      await third.close();
    }
  });

  it('carries an unkeyed chain (written before keys existed) forward with a rotation event that anchors its head', async () => {
    const organization = (
      await db.query<{ id: string }>("select id from organizations where slug = 'default'")
    ).rows[0]?.id;
    // An organization whose whole chain predates keys: events with no key id and no MAC.
    const legacy = '6f1c1a52-7d6e-4c37-9c61-5a0d6a1d0e11';
    await db.query(
      "insert into organizations (id, slug, name, settings, created_at, updated_at) select $1, 'legacy', 'Legacy', settings, now(), now() from organizations where id = $2",
      [legacy, organization],
    );
    await db.query('select audit_ensure_partition($1, now())', [legacy]);
    let previous = '0'.repeat(64);
    for (let seq = 1; seq <= 3; seq += 1) {
      const row = {
        id: `00000000-0000-4000-8000-00000000000${seq}`,
        organization_id: legacy,
        seq: String(seq),
        occurred_at: new Date(Date.now() - 60_000 + seq),
        actor_type: 'system',
        actor_id: null,
        actor_username: 'before keys',
        actor_email: null,
        action: 'user.created',
        target_type: null,
        target_id: null,
        outcome: 'success',
        reason: null,
        changes: null,
        ip: null,
        user_agent: null,
        request_id: null,
        prev_hash: previous,
        hash: '',
        key_id: null,
        mac: null,
      } satisfies AuditEventRow;
      row.hash = chainHash(chainedFieldsOf(row));
      previous = row.hash;
      const columns = Object.keys(row) as Array<keyof AuditEventRow>;
      await db.query(
        `insert into audit_events (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        columns.map((column) => row[column]),
      );
    }
    await db.query(
      'insert into audit_chain_heads (organization_id, last_seq, last_hash) values ($1, 3, $2)',
      [legacy, previous],
    );

    const fourth = await restart({ AUDIT_CHAIN_KEY: newKey });
    try {
      // The maintenance job's checkpoint run moves every chain onto the key, then signs it.
      await fourth.app.get(AuditCheckpointService).issueAll();
      const { rows } = await db.query<AuditEventRow>(
        'select * from audit_events where organization_id = $1 order by seq',
        [legacy],
      );
      expect(rows.map((row) => [row.seq, row.action, row.key_id === null])).toEqual([
        ['1', 'user.created', true],
        ['2', 'user.created', true],
        ['3', 'user.created', true],
        ['4', 'auditEvent.chainKeyRotated', false],
      ]);
      expect(rows[3]?.prev_hash).toBe(previous);
      expect(rows[3]?.changes).toMatchObject({ keyId: { from: null }, anchoredSeq: '3' });
      const signed = await db.query<{ seq: string; head: string }>(
        'select seq, head from audit_checkpoints where organization_id = $1',
        [legacy],
      );
      expect(signed.rows).toEqual([{ seq: '4', head: rows[3]?.hash }]);
      const verifier = new AuditChainVerifier(
        fourth.app.get(EntityManager),
        fourth.app.get(AuditKeyring),
        fourth.app.get(CheckpointSigner).publicJwk(),
      );
      expect(await verifier.verify(legacy, {})).toEqual({
        valid: true,
        checked: 4,
        checkpoint: { seq: '4', at: expect.any(String) },
      });
    } finally {
      await fourth.close();
    }
  });
});
