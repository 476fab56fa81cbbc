/**
 * CPU profile of one hot path under load, on the database `npm run bench` left
 * seeded (warden_bench): starts the built API in production mode under
 * `node --cpu-prof`, loads one path with autocannon (10 connections, 2 s
 * warm-up, then BENCH_SECONDS), stops the API and prints the profile's
 * hottest frames (bench/top-frames.ts). Start-up (module loading) is part of
 * the profile: a few per cent under `wrapSafe` and friends.
 *
 * Usage: npx ts-node --transpile-only bench/profile.ts <jwt-read|key-read|live|list|decisions|single-check|invites>
 */
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SmtpSink } from '../test/support/smtp-sink';
import {
  API,
  API_NODE_FLAGS,
  apiEnvironment,
  checkBodies,
  databaseUrl,
  json,
  jsonPost,
  LIST_PATHS,
  listPaths,
  OWNER_PASSWORD,
  rotating,
  SECONDS,
} from './bench-api';

const scenario = process.argv[2] ?? '';
const SCENARIOS = ['jwt-read', 'key-read', 'live', 'list', 'decisions', 'single-check', 'invites'];
if (!SCENARIOS.includes(scenario))
  throw new Error(`usage: bench/profile.ts <${SCENARIOS.join('|')}>`);

/** A JSON request that must succeed. */
async function call(method: string, path: string, body?: unknown, auth?: string) {
  const response = await json(method, path, body, auth);
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function main(): Promise<void> {
  const sink = await new SmtpSink().start();
  const profiles = mkdtempSync(join(tmpdir(), 'warden-profile-'));
  // The same settings as bench/run.ts's API.
  const api = spawn(
    process.execPath,
    [...API_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profiles}`, 'dist/src/main.js'],
    {
      env: apiEnvironment(sink.url),
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => api.once('exit', resolve));
  for (let ready = false; !ready;) {
    ready = await fetch(`${API}/health/live`).then(
      (response) => response.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const login = await call('POST', '/api/v1/auth/login', {
    organization: 'default',
    login: 'owner',
    password: OWNER_PASSWORD,
  });
  const owner = `Bearer ${login.accessToken as string}`;
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).rows.map((r) => r.id);
  const userIds = await ids(
    "select id from users where username like 'bench-u%' order by id limit 1000",
  );
  const applicationIds = await ids('select id from applications order by id limit 1000');
  await db.end();

  let options: autocannon.Options;
  let mails = 0;
  switch (scenario) {
    case 'jwt-read':
    case 'key-read': {
      const auth =
        scenario === 'jwt-read'
          ? owner
          : `Bearer ${(await call('POST', '/api/v1/api-keys', { name: 'profile' }, owner)).key as string}`;
      const path = rotating(userIds.map((id) => `/api/v1/users/${id}`));
      options = {
        url: API,
        requests: [
          {
            method: 'GET',
            headers: { authorization: auth },
            setupRequest: (r) => ({ ...r, path: path() }),
          },
        ],
      };
      break;
    }
    case 'live':
      options = { url: `${API}/health/live` };
      break;
    case 'list': {
      // The bench's list pages at 10 connections.
      const first = await call('GET', LIST_PATHS[0], undefined, owner);
      const path = rotating(listPaths(first.nextCursor as string));
      options = {
        url: API,
        requests: [
          {
            method: 'GET',
            headers: { authorization: owner },
            setupRequest: (r) => ({ ...r, path: path() }),
          },
        ],
      };
      break;
    }
    case 'decisions':
    case 'single-check': {
      const perCall = scenario === 'decisions' ? 100 : 1;
      options = {
        url: `${API}/api/v1/authz/check`,
        requests: [jsonPost(owner, checkBodies(userIds, applicationIds, perCall))],
      };
      break;
    }
    default: {
      const tag = Date.now();
      let i = 0;
      mails = 1000;
      options = {
        url: `${API}/api/v1/invites`,
        amount: mails,
        connections: 20,
        requests: [
          jsonPost(owner, () =>
            JSON.stringify({ email: `profile-${tag}-${(i += 1)}@example.com` }),
          ),
        ],
      };
    }
  }

  const started = Date.now();
  if (mails === 0) await autocannon({ connections: 10, ...options, duration: 2 });
  const result = await autocannon({
    connections: 10,
    ...(mails === 0 ? { duration: SECONDS } : {}),
    ...options,
  });
  if (mails > 0) await sink.waitFor(mails, 300_000);
  const figure =
    mails > 0
      ? `${mails} invites, last mail after ${((Date.now() - started) / 1000).toFixed(1)} s`
      : `${Math.round(result.requests.average)} req/s while profiled (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms)`;
  api.kill('SIGINT');
  await exited;
  await sink.stop();
  const [file] = readdirSync(profiles);
  if (file === undefined) throw new Error('the API wrote no profile');
  console.log(
    `${scenario}: ${figure}, non-2xx ${result.non2xx}; profile ${join(profiles, file)}\n`,
  );
  spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'bench/top-frames.ts', join(profiles, file), '12'],
    { stdio: 'inherit' },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
