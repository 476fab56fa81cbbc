import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type AuditEventRow, chainedFieldsOf, chainHash } from '../../src/audit/audit-chain';
import { expectProblem } from '../support/problem';
import { createUser, login, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

describe('GET /api/v1/audit-events', () => {
  let t: TestApp;
  let owner: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    await createUser(t, owner, ['user']);
    await login(t, 'default', 'owner', 'wrong-password-here');
  });
  afterAll(() => t.close());

  const list = (query = '') =>
    t.http.get(`/api/v1/audit-events${query}`).set('authorization', owner.auth);

  it('lists newest first with actor, target and outcome', async () => {
    const response = await list().expect(200);
    const seqOrder = response.body.items.map((event: { occurredAt: string }) => event.occurredAt);
    expect([...seqOrder].sort().reverse()).toEqual(seqOrder);
    expect(response.body.items[0]).toMatchObject({
      action: 'auth.loginFailed',
      outcome: 'failure',
      actor: { type: 'user', username: 'owner' },
    });
  });

  it('filters by exact action, action prefix, outcome and actor', async () => {
    const exact = await list('?action=user.created').expect(200);
    expect(
      exact.body.items.every((event: { action: string }) => event.action === 'user.created'),
    ).toBe(true);
    const prefix = await list('?action=auth.').expect(200);
    expect(new Set(prefix.body.items.map((event: { action: string }) => event.action))).toEqual(
      new Set(['auth.loginSucceeded', 'auth.loginFailed']),
    );
    const failures = await list('?outcome=failure').expect(200);
    expect(failures.body.items.map((event: { action: string }) => event.action)).toEqual([
      'auth.loginFailed',
    ]);
    const byOwner = await list(`?actorId=${owner.id}`).expect(200);
    expect(byOwner.body.items.length).toBeGreaterThan(0);
    expect(
      byOwner.body.items.every((event: { actor: { id: string } }) => event.actor.id === owner.id),
    ).toBe(true);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const all = (await list('?limit=200').expect(200)).body.items.map(
      (event: { id: string }) => event.id,
    );
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { body: { items: Array<{ id: string }>; nextCursor: string | null } } =
        await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      paged.push(...response.body.items.map((event) => event.id));
      cursor = response.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
  });

  it('refuses a User (403) and bad filters (400)', async () => {
    const user = await createUser(t, owner, ['user']);
    expectProblem(await t.http.get('/api/v1/audit-events').set('authorization', user.auth), 403);
    expectProblem(await list('?from=yesterday'), 400);
    expectProblem(await list('?cursor=abc'), 400);
  });
});

describe('GET /api/v1/audit-events/verify', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    // No maintenance jobs: no checkpoint is signed behind the tests' back.
    t = await startTestApp({ env: { WORKERS_ENABLED: 'false' } });
    owner = await signInOwner(t);
    for (let i = 0; i < 4; i++) await createUser(t, owner, ['user']);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const verify = (query = '') =>
    t.http.get(`/api/v1/audit-events/verify${query}`).set('authorization', owner.auth);
  const seqs = async () =>
    (await db.query<{ id: string; seq: string }>('select id, seq from audit_events order by seq'))
      .rows;

  /** What a database superuser could do: switch the append-only trigger off, change history, switch it on. */
  const tamper = async (sql: string, params: unknown[]) => {
    await db.query('alter table audit_events disable trigger audit_events_append_only');
    try {
      await db.query(sql, params);
    } finally {
      await db.query('alter table audit_events enable trigger audit_events_append_only');
    }
  };

  it('finds an intact chain valid and counts what it checked', async () => {
    const response = await verify().expect(200);
    expect(response.body).toEqual({
      valid: true,
      checked: (await seqs()).length,
      checkpoint: null,
    });
  });

  it('names the first altered event', async () => {
    const rows = await seqs();
    const victim = rows[3];
    const original =
      (
        await db.query<{ reason: string | null }>('select reason from audit_events where id = $1', [
          victim?.id,
        ])
      ).rows[0]?.reason ?? null;
    await tamper("update audit_events set reason = 'nothing to see' where id = $1", [victim?.id]);
    const response = await verify().expect(200);
    expect(response.body).toEqual({
      valid: false,
      checked: 3,
      firstInvalid: { id: victim?.id, seq: victim?.seq, reason: 'altered' },
      checkpoint: null,
    });
    await tamper('update audit_events set reason = $2 where id = $1', [victim?.id, original]);
    expect((await verify().expect(200)).body.valid).toBe(true);
  });

  /** A forged copy of event `of`, re-hashed as anyone reading the code could. */
  const forge = async (of: string, change: (row: AuditEventRow) => void) => {
    const { rows } = await db.query<AuditEventRow>('select * from audit_events where id = $1', [
      of,
    ]);
    const row = rows[0];
    if (row === undefined) throw new Error('no such event');
    const forged = { ...row, id: randomUUID(), reason: 'forged' };
    change(forged);
    forged.hash = chainHash(chainedFieldsOf(forged));
    // Every column, so the stored row is exactly what was hashed.
    const columns = Object.keys(forged) as Array<keyof AuditEventRow>;
    await db.query(
      `insert into audit_events (${columns.join(', ')})
       values (${columns.map((_, index) => `$${index + 1}`).join(', ')})`,
      columns.map((column) =>
        column === 'changes' && forged.changes !== null
          ? JSON.stringify(forged.changes)
          : forged[column],
      ),
    );
    return forged;
  };

  it('names an event inserted into the middle of the chain', async () => {
    const rows = await seqs();
    const original = rows[4];
    // Same place in the chain, same predecessor, a valid hash of its own.
    const forged = await forge(original?.id ?? '', (row) => {
      row.occurred_at = new Date(new Date(row.occurred_at).getTime() + 1);
    });
    const response = await verify().expect(200);
    expect(response.body.valid).toBe(false);
    expect(response.body.firstInvalid).toEqual({
      id: forged.id,
      seq: forged.seq,
      reason: 'inserted',
    });
    await tamper('delete from audit_events where id = $1', [forged.id]);
    expect((await verify().expect(200)).body.valid).toBe(true);
  });

  it('names an event appended past the chain head', async () => {
    const rows = await seqs();
    const last = rows.at(-1);
    const lastHash = (
      await db.query<{ hash: string }>('select hash from audit_events where id = $1', [last?.id])
    ).rows[0]?.hash;
    const forged = await forge(last?.id ?? '', (row) => {
      row.seq = String(BigInt(row.seq) + 1n);
      row.prev_hash = lastHash ?? '';
    });
    const response = await verify().expect(200);
    expect(response.body.firstInvalid).toEqual({
      id: forged.id,
      seq: forged.seq,
      reason: 'inserted',
    });
    await tamper('delete from audit_events where id = $1', [forged.id]);
    expect((await verify().expect(200)).body.valid).toBe(true);
  });

  it('names the event after a removed one', async () => {
    const rows = await seqs();
    const removed = rows[5];
    const next = rows[6];
    await tamper('delete from audit_events where id = $1', [removed?.id]);
    const response = await verify().expect(200);
    expect(response.body.valid).toBe(false);
    expect(response.body.firstInvalid).toEqual({
      id: next?.id,
      seq: next?.seq,
      reason: 'broken link',
    });
  });

  it('refuses a User (403) and a malformed range (400)', async () => {
    const user = await createUser(t, owner, ['user']);
    expectProblem(
      await t.http.get('/api/v1/audit-events/verify').set('authorization', user.auth),
      403,
    );
    expectProblem(await verify('?from=last-week'), 400);
  });
});
