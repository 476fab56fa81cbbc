import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { chainHash } from '../../src/audit/audit-chain';
import { createUser, login, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run warden (operators’ CLI)', () => {
  let t: TestApp;
  let db: Client;
  let dir: string;

  /** Runs the CLI as `npm run warden --` does, against the test app's database. */
  const warden = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args],
        {
          env: {
            ...process.env,
            DATABASE_URL: t.databaseUrl,
            AUDIT_CHAIN_KEY: t.config.audit.chainKey,
            AUDIT_SIGNING_KEY: t.config.audit.signingKey,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const eventCount = async () =>
    Number((await db.query<{ count: string }>('select count(*) from audit_events')).rows[0]?.count);

  beforeAll(async () => {
    t = await startTestApp({ env: { WORKERS_ENABLED: 'false' } });
    await signInOwner(t);
    await login(t, 'default', 'owner', 'not-the-password');
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.end();
    await t.close();
  });

  it('audit:export writes every event to the file, with plain progress lines off a terminal', async () => {
    const out = join(dir, 'audit.csv');
    const run = await warden('audit:export', '--org', 'default', '--format', 'csv', '--out', out);
    expect(run.code).toBe(0);
    const rows = parse<Record<string, string>>(readFileSync(out, 'utf8'), { columns: true });
    const total = await eventCount(); // the export recorded itself before it read
    expect(rows).toHaveLength(total);
    expect(rows.at(-1)?.action).toBe('auditEvent.exported');
    expect(rows.at(-1)?.actor_username).toMatch(/^cli:/);
    expect(run.stderr).toContain(`exported ${total}/${total} events (100%)`);
    expect(run.stderr).not.toContain('\r');
  });

  it('audit:export filters by time and format', async () => {
    const out = join(dir, 'none.json');
    const run = await warden(
      'audit:export',
      '--org',
      'default',
      '--format',
      'json',
      '--out',
      out,
      '--from',
      '2001-01-01T00:00:00Z',
      '--to',
      '2001-02-01T00:00:00Z',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([]);
  });

  describe('audit:verify --file, offline for auditors', () => {
    let exportFile: string;
    let checkpointFile: string;
    let keyFile: string;
    let owner: SignedIn;

    beforeAll(async () => {
      owner = await signInOwner(t);
      for (let i = 0; i < 3; i += 1) await createUser(t, owner, ['user']);
      const checkpoint = await t.http
        .post('/api/v1/audit-events/checkpoints')
        .set('authorization', owner.auth)
        .expect(201);
      // Events after the checkpoint are in the export too; they need no signature to be read.
      await createUser(t, owner, ['user']);
      const exported = await t.http
        .get('/api/v1/audit-events/export?format=ndjson')
        .set('authorization', owner.auth)
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => done(null, text));
        })
        .expect(200);
      const key = await t.http.get('/api/v1/audit-events/public-key').expect(200);
      exportFile = join(dir, 'export.ndjson');
      checkpointFile = join(dir, 'checkpoint.json');
      keyFile = join(dir, 'key.jwk');
      writeFileSync(exportFile, exported.body as string);
      writeFileSync(checkpointFile, JSON.stringify(checkpoint.body));
      writeFileSync(keyFile, JSON.stringify(key.body));
    });

    const offline = (file = exportFile, checkpoint = checkpointFile) =>
      warden('audit:verify', '--file', file, '--checkpoint', checkpoint, '--public-key', keyFile);

    it('verifies a real export against a real signed checkpoint, with no database', async () => {
      const run = await offline();
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.valid).toBe(true);
      expect(result.checkpoint.reached).toBe(true);
      expect(result.checked).toBe(readFileSync(exportFile, 'utf8').trim().split('\n').length);
    });

    it('fails on a one-byte change anywhere up to the checkpoint', async () => {
      const text = readFileSync(exportFile, 'utf8');
      const lines = text.trim().split('\n');
      const target = lines[1] ?? '';
      // One byte of one event's action (e.g. "user.created" -> "user.createe").
      const at = target.indexOf('"action":"') + '"action":"'.length + 3;
      const changed = `${target.slice(0, at)}${target[at] === 'x' ? 'y' : 'x'}${target.slice(at + 1)}`;
      expect(changed.length).toBe(target.length);
      const tampered = join(dir, 'tampered.ndjson');
      writeFileSync(tampered, [lines[0], changed, ...lines.slice(2)].join('\n'));
      const run = await offline(tampered);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).firstInvalid).toEqual({ line: 2, seq: '2', reason: 'altered' });
    });

    it('fails when the export was re-hashed after a rewrite (the signed head no longer matches)', async () => {
      const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
      const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      // Rewrite event 2 and re-hash every event after it, as someone with the code could.
      const events = lines.map((line) => JSON.parse(line));
      events[1].reason = 'rewritten';
      for (let i = 1; i < events.length; i += 1) {
        events[i].prevHash = events[i - 1].hash;
        const { id, seq, actor, action, target, outcome, reason, changes, ip } = events[i];
        events[i].hash = chainHash({
          ...{ id, seq, actor, action, target, outcome, reason, changes, ip },
          organizationId: checkpoint.organizationId,
          occurredAt: new Date(events[i].occurredAt),
          userAgent: events[i].userAgent,
          requestId: events[i].requestId,
          prevHash: events[i].prevHash,
          keyId: events[i].keyId ?? undefined,
        });
      }
      const rehashed = join(dir, 'rehashed.ndjson');
      writeFileSync(rehashed, events.map((event) => JSON.stringify(event)).join('\n'));
      const run = await offline(rehashed);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).firstInvalid.reason).toBe('diverges from signed checkpoint');
    });

    it('refuses a checkpoint whose signature does not match, and an export that stops short', async () => {
      const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      const forged = join(dir, 'forged-checkpoint.json');
      writeFileSync(
        forged,
        JSON.stringify({ ...checkpoint, seq: String(Number(checkpoint.seq) + 1) }),
      );
      const run = await offline(exportFile, forged);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).firstInvalid.reason).toBe('checkpoint signature invalid');

      const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
      const short = join(dir, 'short.ndjson');
      writeFileSync(short, lines.slice(0, Number(checkpoint.seq) - 1).join('\n'));
      const cut = await offline(short);
      expect(cut.code).toBe(2);
      expect(JSON.parse(cut.stdout).firstInvalid.reason).toBe('does not reach the checkpoint');
    });
  });

  it('audit:verify exits 0 on an intact chain and 2 naming the altered event', async () => {
    const intact = await warden('audit:verify', '--org', 'default');
    expect(intact.code).toBe(0);
    const verified = JSON.parse(intact.stdout);
    expect(verified).toMatchObject({ valid: true, checked: await eventCount() });
    // The checkpoint signed for the offline checks above is reached, and vouches for the chain.
    expect(verified.checkpoint).toEqual({ seq: expect.any(String), at: expect.any(String) });

    const { rows } = await db.query<{ id: string; seq: string }>(
      'select id, seq from audit_events order by seq limit 1 offset 1',
    );
    await db.query('alter table audit_events disable trigger audit_events_append_only');
    await db.query("update audit_events set action = 'auth.logout' where id = $1", [rows[0]?.id]);
    await db.query('alter table audit_events enable trigger audit_events_append_only');
    const altered = await warden('audit:verify', '--org', 'default');
    expect(altered.code).toBe(2);
    expect(JSON.parse(altered.stdout).firstInvalid).toEqual({
      id: rows[0]?.id,
      seq: rows[0]?.seq,
      reason: 'altered',
    });
  });

  it('explains bad usage with exit code 64', async () => {
    for (const args of [
      ['audit:export'],
      ['audit:export', '--org', 'default', '--format', 'xlsx'],
      ['audit:verify', '--org', 'default', '--from', 'yesterday'],
      ['audit:verify', '--org', 'no-such-org'],
      ['audit:verify', '--file', 'export.ndjson'],
      ['audit:shred', '--org', 'default'],
    ]) {
      const run = await warden(...args);
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('Usage');
    }
  });
});
