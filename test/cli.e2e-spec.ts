import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { login, signInOwner } from './support/principals';
import { startTestApp, type TestApp } from './support/test-app';

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
        { env: { ...process.env, DATABASE_URL: t.databaseUrl } },
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

  it('audit:verify exits 0 on an intact chain and 2 naming the altered event', async () => {
    const intact = await warden('audit:verify', '--org', 'default');
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toEqual({ valid: true, checked: await eventCount() });

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
      ['audit:shred', '--org', 'default'],
    ]) {
      const run = await warden(...args);
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('Usage');
    }
  });
});
