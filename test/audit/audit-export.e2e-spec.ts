import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

interface ExportedEvent {
  id: string;
  seq: string;
  action: string;
  userAgent: string | null;
  actor: { id: string | null };
}

describe('GET /api/v1/audit-events/export', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    // One export at a time: a slot an aborted export kept would block the next one.
    t = await startTestApp({ env: { AUDIT_EXPORT_CONCURRENCY: '1' } });
    owner = await signInOwner(t);
    await createUser(t, owner, ['user']);
    // A spreadsheet formula smuggled in through a header the audit trail records.
    await t.http
      .post('/api/v1/groups')
      .set('authorization', owner.auth)
      .set('user-agent', '=HYPERLINK("http://evil.example","click")')
      .send({ name: 'Formula carriers' })
      .expect(201);
    await t.http
      .post('/api/v1/auth/login')
      .send({ organization: 'default', login: 'owner', password: 'not-the-password' })
      .expect(401);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    // Another organization's events in the same table.
    const other = randomUUID();
    await db.query('select audit_ensure_partition($1, now())', [other]);
    await db.query(
      `insert into audit_events (id, organization_id, seq, occurred_at, actor_type, action, outcome, prev_hash, hash)
       select gen_random_uuid(), $1, g, now(), 'system', 'user.created', 'success', repeat('0', 64), repeat('1', 64)
         from generate_series(1, 5) g`,
      [other],
    );
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const exportAs = (query: string, auth = owner.auth) =>
    t.http.get(`/api/v1/audit-events/export?${query}`).set('authorization', auth).buffer(true);
  const ownIds = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } =
        await t.http
          .get(`/api/v1/audit-events?limit=200&${query}${cursor ? `&cursor=${cursor}` : ''}`)
          .set('authorization', owner.auth)
          .expect(200);
      ids.push(...page.body.items.map((event) => event.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return ids.reverse(); // the list is newest first, exports oldest first
  };
  const text = (response: { text?: string; body: unknown }) =>
    response.text ?? (Buffer.isBuffer(response.body) ? response.body.toString('utf8') : '');

  it('exports CSV with a header row, exactly the filtered events, oldest first', async () => {
    const expected = await ownIds('action=user.');
    const response = await exportAs('format=csv&action=user.').expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="audit-events-default-start-to-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows: Array<Record<string, string>> = parse(text(response), { columns: true });
    expect(rows.map((row) => row.id)).toEqual(expected);
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'id',
      'seq',
      'occurred_at',
      'actor_type',
      'actor_id',
      'actor_username',
      'actor_email',
      'action',
      'target_type',
      'target_id',
      'outcome',
      'reason',
      'changes',
      'ip',
      'user_agent',
      'request_id',
      'prev_hash',
      'hash',
      'key_id',
      'mac',
    ]);
    expect(rows.every((row) => row.action?.startsWith('user.'))).toBe(true);
    expect(rows[0]?.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('neutralises a formula cell in CSV, and only in CSV', async () => {
    const csv = await exportAs('format=csv&action=group.created').expect(200);
    const [row] = parse<Record<string, string>>(text(csv), { columns: true });
    expect(row?.user_agent).toBe(`'=HYPERLINK("http://evil.example","click")`);
    const ndjson = await exportAs('format=ndjson&action=group.created').expect(200);
    const [event] = text(ndjson)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedEvent);
    expect(event?.userAgent).toBe('=HYPERLINK("http://evil.example","click")');
  });

  it('exports NDJSON and one JSON array with the same events as the list', async () => {
    // An export records itself before its rows are read, so it is the last event it holds.
    const expected = await ownIds('outcome=success');
    const ndjson = await exportAs('format=ndjson&outcome=success').expect(200);
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = text(ndjson).trim().split('\n');
    const exported = lines.map((line) => JSON.parse(line) as ExportedEvent);
    expect(exported.map((event) => event.id)).toEqual([...expected, exported.at(-1)?.id]);
    expect(exported.at(-1)?.action).toBe('auditEvent.exported');

    const again = await ownIds('outcome=success');
    const json = await exportAs('format=json&outcome=success').expect(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const events = JSON.parse(text(json)) as ExportedEvent[];
    expect(events.slice(0, -1).map((event) => event.id)).toEqual(again);
    expect(events[0]).toMatchObject({
      seq: expect.any(String),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('exports an empty range as a valid, empty file', async () => {
    const json = await exportAs(
      'format=json&from=2001-01-01T00:00:00Z&to=2001-02-01T00:00:00Z',
    ).expect(200);
    expect(JSON.parse(text(json))).toEqual([]);
    expect(json.headers['content-disposition']).toContain(
      'audit-events-default-2001-01-01-to-2001-02-01.json',
    );
    const csv = await exportAs('format=csv&actorId=00000000-0000-4000-8000-000000000000').expect(
      200,
    );
    expect(text(csv).trim().split('\n')).toHaveLength(1); // the header alone
  });

  it('filters by time range, actor and outcome', async () => {
    const failures = await exportAs('format=ndjson&outcome=failure').expect(200);
    const failed = text(failures)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedEvent);
    expect(failed.map((event) => event.action)).toEqual(['auth.loginFailed']);

    const byOwner = await exportAs(`format=ndjson&actorId=${owner.id}`).expect(200);
    const mine = text(byOwner)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedEvent);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((event) => event.actor.id === owner.id)).toBe(true);

    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await exportAs(`format=ndjson&from=${future}`).expect(200);
    expect(text(none)).toBe('');
  });

  it("never includes another organization's events", async () => {
    const all = await exportAs('format=ndjson').expect(200);
    const ids = text(all)
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as ExportedEvent).id);
    const { rows } = await db.query<{ id: string }>(
      `select id from audit_events where organization_id <> (select organization_id from users where id = $1)`,
      [owner.id],
    );
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(ids).not.toContain(row.id);
  });

  it('records the export itself as an audit event', async () => {
    await exportAs('format=csv&action=auth.').expect(200);
    const latest = await t.http
      .get('/api/v1/audit-events?action=auditEvent.exported&limit=1')
      .set('authorization', owner.auth)
      .expect(200);
    expect(latest.body.items[0]).toMatchObject({
      action: 'auditEvent.exported',
      actor: { id: owner.id },
      changes: { export: { format: 'csv', action: 'auth.' } },
    });
  });

  it('refuses a bad format (400) and a role without export rights (403)', async () => {
    expectProblem(await exportAs('format=xlsx'), 400);
    const user = await createUser(t, owner, ['user']);
    expectProblem(await exportAs('format=csv', user.auth), 403);
  });

  it('streams 100k events with back-pressure: a client that stops reading stalls the COPY', async () => {
    const total = 100_000;
    await db.query('begin');
    const { rows } = await db.query<{ organization_id: string; last_seq: string }>(
      'select organization_id, last_seq from audit_chain_heads where organization_id = (select organization_id from users where id = $1) for update',
      [owner.id],
    );
    const head = rows[0];
    if (head === undefined) throw new Error('no chain head');
    await db.query(
      `insert into audit_events (id, organization_id, seq, occurred_at, actor_type, action, outcome,
         user_agent, prev_hash, hash)
       select gen_random_uuid(), $1, $2::bigint + g, now(), 'system', 'bulk.seeded', 'success',
         repeat('x', 300), repeat('0', 64), repeat('1', 64)
         from generate_series(1, $3::int) g`,
      [head.organization_id, head.last_seq, total],
    );
    await db.query(
      'update audit_chain_heads set last_seq = last_seq + $2 where organization_id = $1',
      [head.organization_id, total],
    );
    await db.query('commit');

    const url = new URL(`${t.baseUrl}/api/v1/audit-events/export?format=csv&action=bulk.seeded`);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest(url, { headers: { authorization: owner.auth } }, resolve)
        .on('error', reject)
        .end();
    });
    expect(response.statusCode).toBe(200);
    // Count every byte from the start; stop reading after the first chunk.
    let lines = 0;
    let bytes = 0;
    const firstChunk = new Promise<void>((resolve) => {
      response.on('data', (chunk: Buffer) => {
        if (bytes === 0) {
          response.pause();
          resolve();
        }
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 0x0a) lines += 1;
      });
    });
    await firstChunk;
    const progress = async () =>
      (
        await db.query<{ tuples: string }>(
          `select tuples_processed::text as tuples from pg_stat_progress_copy
             where command = 'COPY TO' and datname = current_database()`,
        )
      ).rows[0]?.tuples;
    // Wait until the COPY stops advancing: it is held up by the paused client.
    let before = await progress();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await progress();
      if (now === before) break;
      before = now;
    }
    expect(before).toBeDefined(); // still running, not finished
    expect(Number(before)).toBeLessThan(total / 2);

    // Resumed, every row arrives.
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    expect(lines).toBe(total + 1); // header + one line per event
    expect(bytes).toBeGreaterThan(total * 300);
  });

  it('ends the COPY and frees its connection when the client goes away mid-export', async () => {
    const url = new URL(`${t.baseUrl}/api/v1/audit-events/export?format=ndjson&action=bulk.seeded`);
    const request = httpRequest(url, { headers: { authorization: owner.auth } });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request.on('response', resolve).on('error', reject).end();
    });
    await new Promise((resolve) => response.once('data', resolve));
    request.destroy();
    const copies = async () =>
      (await db.query(`select 1 from pg_stat_progress_copy where datname = current_database()`))
        .rowCount;
    while ((await copies()) !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
    // The only export slot is free again.
    const next = await exportAs('format=csv&action=group.created').expect(200);
    expect(text(next).trim().split('\n')).toHaveLength(2);
  });
});
