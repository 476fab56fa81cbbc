/**
 * npm run bench: seeds a fresh database, starts the API in production mode
 * (and a bare Fastify + pg ceiling) as processes of their own, loads them with
 * autocannon from this process, and prints one table. Figures and what limits
 * them: bench/README.md.
 *
 * Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; defaults
 * are the local servers). Sizes: BENCH_USERS, BENCH_AUDIT_EVENTS; load
 * duration per figure: BENCH_SECONDS.
 */
import autocannon from 'autocannon';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { measureConsole } from './console';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { request } from 'node:http';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { SmtpSink } from '../test/support/smtp-sink';
import { seed } from './seed';
import {
  adminUrl,
  checkBodies,
  API,
  API_NODE_FLAGS,
  apiEnvironment,
  DATABASE,
  databaseUrl,
  json,
  jsonPost,
  LIST_PATHS,
  listPaths,
  OWNER_PASSWORD,
  REDIS_URL,
  rotating,
  SECONDS,
} from './bench-api';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const AUDIT_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const BARE_PORT = 3901;
const NEST_FLOOR_PORT = 3902;
const USER_PASSWORD = 'violet-harbor-lantern-7';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Every process this run started, stopped whatever happens. */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  failures: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Runs autocannon and computes percentiles from every response time (autocannon has no p95). */
async function load(options: autocannon.Options): Promise<LoadResult> {
  const times: number[] = [];
  let failures = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        connections: 10,
        ...(options.amount === undefined ? { duration: SECONDS } : {}),
        ...options,
      },
      (error: unknown, finished: autocannon.Result) =>
        error
          ? reject(error instanceof Error ? error : new Error('autocannon failed'))
          : resolve(finished),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      times.push(responseTime);
      if (statusCode >= 300) failures += 1;
    });
  });
  const sorted = Float64Array.from(times).sort();
  const elapsed = result.duration;
  return {
    requestsPerSecond: times.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    requests: times.length,
    failures: failures + result.errors + result.timeouts,
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const done = await check().catch((error: unknown) => {
      if (error instanceof Error && error.message.includes('exited')) throw error;
      return false;
    });
    if (done) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function startApi(smtpPort: number): ChildProcess {
  // The API writes its log to the file itself, as it would to a file or a
  // collector in production. Piped through this process, every access line
  // would also cost the load generator, which shares this event loop.
  const logFile = openSync('/tmp/warden-bench-api.log', 'a');
  try {
    const child = spawn(process.execPath, [...API_NODE_FLAGS, 'dist/src/main.js'], {
      env: apiEnvironment(`smtp://127.0.0.1:${smtpPort}`),
      stdio: ['ignore', logFile, logFile],
    });
    return track(child);
  } finally {
    closeSync(logFile);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident memory of a process while `work` runs, sampled every 20 ms, in MiB. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  const sample = () => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    peak = Math.max(peak, Number(match?.[1] ?? 0) / 1024);
  };
  sample();
  const timer = setInterval(sample, 20);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(timer);
    sample();
  }
}

/** Streams a URL to nowhere, counting lines. */
function download(path: string, auth: string): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${API}${path}`, { headers: { authorization: auth } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
      let lines = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      res.on('end', () => resolve({ lines, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function rawCopy(sql: string): Promise<{ lines: number; bytes: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const stream = client.query(copyTo(sql));
    let lines = 0;
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    return { lines, bytes };
  } finally {
    await client.end();
  }
}

/** A target from the hot-path issue, and whether this run met it. */
function target(value: number, bound: number, at: 'least' | 'most', digits = 2, unit = ''): string {
  const met = at === 'least' ? value >= bound : value <= bound;
  return `${at === 'least' ? '≥' : '≤'} ${fmt(bound, digits)}${unit}: ${met ? 'met' : 'MISSED'}`;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';

async function main(): Promise<void> {
  const began = Date.now();
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const redisKeys = spawn('sh', [
    '-c',
    `redis-cli -u ${REDIS_URL} --scan --pattern 'warden-bench*' | xargs -r redis-cli -u ${REDIS_URL} del >/dev/null`,
  ]);
  await new Promise((resolve) => redisKeys.once('exit', resolve));

  const sink = new SmtpSink();
  await sink.start();
  let api = startApi(sink.port);
  const ready = async () => {
    if (api.exitCode !== null) throw new Error('the API exited; see /tmp/warden-bench-api.log');
    return (await fetch(`${API}/health/ready`)).status === 200;
  };
  await waitFor(ready, 'the API to migrate and start');

  const signIn = async (login: string, password: string) => {
    const response = await json('POST', '/api/v1/auth/login', {
      organization: 'default',
      login,
      password,
    });
    if (response.status !== 200) throw new Error(`sign-in of ${login}: ${response.status}`);
    return `Bearer ${response.body.accessToken as string}`;
  };
  let owner = await signIn('owner', OWNER_PASSWORD);
  const template = await json(
    'POST',
    '/api/v1/users',
    {
      username: 'bench-template',
      email: 'bench-template@example.com',
      password: USER_PASSWORD,
      roles: ['user'],
    },
    owner,
  );
  if (template.status !== 201) throw new Error(`template user: ${template.status}`);
  const key = await json('POST', '/api/v1/api-keys', { name: 'bench' }, owner);
  if (key.status !== 201) throw new Error(`API key: ${key.status}`);
  const apiKey = `Bearer ${key.body.key as string}`;
  const scimKey = await json(
    'POST',
    '/api/v1/api-keys',
    { name: 'bench SCIM', type: 'system', scim: true },
    owner,
  );
  if (scimKey.status !== 201) throw new Error(`SCIM key: ${scimKey.status}`);
  const scimAuth = `Bearer ${scimKey.body.key as string}`;
  await stop(api);

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const organizationId = (
    await db.query<{ id: string }>("select id from organizations where slug = 'default'")
  ).rows[0]?.id;
  const passwordHash = (
    await db.query<{ password_hash: string }>(
      "select password_hash from users where username = 'bench-template'",
    )
  ).rows[0]?.password_hash;
  const seedStarted = Date.now();
  const seeded = await seed(
    db,
    organizationId,
    passwordHash,
    { users: USERS, groups: 500, apiKeys: 20_000, applications: 1_000, auditEvents: AUDIT_EVENTS },
    log,
  );
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  await db.end();

  api = startApi(sink.port);
  await waitFor(ready, 'the API to start');
  const apiPid = api.pid as number;
  owner = await signIn('owner', OWNER_PASSWORD);
  const bare = fork('bench/bare-server.ts', [], {
    execArgv: [...API_NODE_FLAGS, '-r', 'ts-node/register/transpile-only'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      ORGANIZATION_ID: organizationId,
      PORT: String(BARE_PORT),
    },
  });
  track(bare);
  await new Promise((resolve, reject) => {
    bare.once('message', resolve);
    bare.once('exit', () => reject(new Error('the bare server exited')));
  });
  const nestFloor = track(
    fork('bench/nest-floor-server.ts', [], {
      execArgv: [...API_NODE_FLAGS, '-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, PORT: String(NEST_FLOOR_PORT) },
    }),
  );
  await new Promise((resolve, reject) => {
    nestFloor.once('message', resolve);
    nestFloor.once('exit', () => reject(new Error('the Nest floor server exited')));
  });

  const rows: string[][] = [];
  const add = (...cells: string[]) =>
    rows.push([...cells, ...Array<string>(Math.max(0, 5 - cells.length)).fill('')]);
  const readIds = seeded.userIds.slice(0, 1000);
  const readPath = rotating(readIds.map((id) => `/api/v1/users/${id}`));
  const barePath = rotating(readIds.map((id) => `/users/${id}`));
  const readRequests = (auth: string) => [
    {
      method: 'GET' as const,
      headers: { authorization: auth },
      setupRequest: (req: autocannon.Request) => ({ ...req, path: readPath() }),
    },
  ];

  log('authorized reads');
  // Warm every path (JIT, caches, pools) before measuring.
  await load({
    url: `http://127.0.0.1:${BARE_PORT}`,
    duration: 2,
    requests: [
      { method: 'GET', setupRequest: (req: autocannon.Request) => ({ ...req, path: barePath() }) },
    ],
  });
  await load({ url: API, duration: 2, requests: readRequests(owner) });
  const bareRead = await load({
    url: `http://127.0.0.1:${BARE_PORT}`,
    requests: [
      { method: 'GET', setupRequest: (req: autocannon.Request) => ({ ...req, path: barePath() }) },
    ],
  });
  const jwtRead = await load({ url: API, requests: readRequests(owner) });
  const keyRead = await load({ url: API, requests: readRequests(apiKey) });
  add(
    'GET /users/:id, bare Fastify + pg (ceiling)',
    `${fmt(bareRead.requestsPerSecond)} req/s`,
    `p50 ${fmt(bareRead.p50)} ms, p99 ${fmt(bareRead.p99)} ms`,
    '1.00',
  );
  const jwtRatio = jwtRead.requestsPerSecond / bareRead.requestsPerSecond;
  const keyRatio = keyRead.requestsPerSecond / bareRead.requestsPerSecond;
  add(
    'GET /users/:id, JWT',
    `${fmt(jwtRead.requestsPerSecond)} req/s`,
    `p50 ${fmt(jwtRead.p50)} ms, p99 ${fmt(jwtRead.p99)} ms`,
    fmt(jwtRatio, 2),
    target(jwtRatio, 0.5, 'least'),
  );
  add(
    'GET /users/:id, API key',
    `${fmt(keyRead.requestsPerSecond)} req/s`,
    `p50 ${fmt(keyRead.p50)} ms, p99 ${fmt(keyRead.p99)} ms`,
    fmt(keyRatio, 2),
    target(keyRatio, 0.45, 'least'),
  );

  log('framework floor');
  // The same JSON from a route with no auth and no database: Fastify alone, a
  // Nest application with nothing but that route, then Warden.
  const nestFloorUrl = `http://127.0.0.1:${NEST_FLOOR_PORT}/live`;
  const hooksLiveUrl = `http://127.0.0.1:${BARE_PORT}/with-hooks/live`;
  await load({ url: `http://127.0.0.1:${BARE_PORT}/live`, duration: 2 });
  await load({ url: hooksLiveUrl, duration: 2 });
  await load({ url: nestFloorUrl, duration: 2 });
  await load({ url: `${API}/health/live`, duration: 2 });
  const bareLive = await load({ url: `http://127.0.0.1:${BARE_PORT}/live` });
  const hooksLive = await load({ url: hooksLiveUrl });
  const nestLive = await load({ url: nestFloorUrl });
  const live = await load({ url: `${API}/health/live` });
  const liveRatio = live.requestsPerSecond / bareLive.requestsPerSecond;
  add(
    'GET /live, bare Fastify (ceiling)',
    `${fmt(bareLive.requestsPerSecond)} req/s`,
    `p50 ${fmt(bareLive.p50)} ms, p99 ${fmt(bareLive.p99)} ms`,
    '1.00',
  );
  add(
    "GET /live, bare Fastify with Warden's request hooks",
    `${fmt(hooksLive.requestsPerSecond)} req/s`,
    `p50 ${fmt(hooksLive.p50)} ms, p99 ${fmt(hooksLive.p99)} ms; headers, context, histogram, access line`,
    fmt(hooksLive.requestsPerSecond / bareLive.requestsPerSecond, 2),
  );
  add(
    'GET /live, a Nest app with only that route (Nest floor)',
    `${fmt(nestLive.requestsPerSecond)} req/s`,
    `p50 ${fmt(nestLive.p50)} ms, p99 ${fmt(nestLive.p99)} ms`,
    fmt(nestLive.requestsPerSecond / bareLive.requestsPerSecond, 2),
  );
  add(
    'GET /health/live (no auth, no database)',
    `${fmt(live.requestsPerSecond)} req/s`,
    `p50 ${fmt(live.p50)} ms, p99 ${fmt(live.p99)} ms; ${fmt(live.requestsPerSecond / nestLive.requestsPerSecond, 2)} of the Nest floor, ${fmt(live.requestsPerSecond / hooksLive.requestsPerSecond, 2)} of Fastify with the hooks`,
    fmt(liveRatio, 2),
    target(liveRatio, 0.8, 'least'),
  );

  log('list pages');
  const firstPage = await json('GET', LIST_PATHS[0] ?? '', undefined, owner);
  const listPath = rotating(listPaths(firstPage.body.nextCursor as string));
  const listRequests = [
    {
      method: 'GET' as const,
      headers: { authorization: owner },
      setupRequest: (req: autocannon.Request) => ({ ...req, path: listPath() }),
    },
  ];
  // Steady state, as the reads above: the list's own code (query building, row
  // mapping, serialisation of 50 users) is still being optimised by V8 during
  // its first seconds; that figure is shown beside the measured one.
  const listCold = await load({ url: API, requests: listRequests });
  const listAlone = await load({ url: API, connections: 1, requests: listRequests });
  const list = await load({ url: API, requests: listRequests });
  add(
    'GET /users (filter + sort, 100k users), 1 connection',
    `${fmt(listAlone.requestsPerSecond)} req/s`,
    `p50 ${fmt(listAlone.p50)} ms, p95 ${fmt(listAlone.p95)} ms, p99 ${fmt(listAlone.p99)} ms`,
    '',
    `p95 ${target(listAlone.p95, 15, 'most', 0, ' ms')}`,
  );
  add(
    'GET /users (filter + sort, 100k users), 10 connections',
    `${fmt(list.requestsPerSecond)} req/s`,
    `p50 ${fmt(list.p50)} ms, p95 ${fmt(list.p95)} ms, p99 ${fmt(list.p99)} ms; first ${SECONDS} s of list pages: ${fmt(listCold.requestsPerSecond)} req/s, p95 ${fmt(listCold.p95)} ms`,
    '',
    `p95 ${target(list.p95, 40, 'most', 0, ' ms')}`,
  );

  log('SCIM');
  // What an IdP does before every create, then a full import as Okta runs it.
  const scimLookups = rotating(
    seeded.usernames
      .slice(0, 1000)
      .map(
        (name) =>
          `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${name.toUpperCase()}"`)}`,
      ),
  );
  const scimLookup = await load({
    url: API,
    requests: [
      {
        method: 'GET',
        headers: { authorization: scimAuth },
        setupRequest: (req: autocannon.Request) => ({ ...req, path: scimLookups() }),
      },
    ],
  });
  add(
    'GET /scim/v2/Users?filter=userName eq (100k users)',
    `${fmt(scimLookup.requestsPerSecond)} req/s`,
    `p50 ${fmt(scimLookup.p50)} ms, p99 ${fmt(scimLookup.p99)} ms`,
    '',
  );
  const importStarted = Date.now();
  let imported = 0;
  let total = Number.POSITIVE_INFINITY;
  for (let startIndex = 1; startIndex <= total; startIndex += 100) {
    const page = await fetch(`${API}/scim/v2/Users?startIndex=${startIndex}&count=100`, {
      headers: { authorization: scimAuth },
    });
    if (page.status !== 200) throw new Error(`SCIM import page ${startIndex}: ${page.status}`);
    const body = (await page.json()) as { totalResults: number; Resources: unknown[] };
    total = body.totalResults;
    imported += body.Resources.length;
  }
  const importSeconds = (Date.now() - importStarted) / 1000;
  add(
    'SCIM full import, startIndex paging, count=100',
    `${fmt(imported)} users in ${fmt(importSeconds, 1)} s`,
    `${fmt(Math.ceil(total / 100))} pages, ${fmt((importSeconds * 1000) / Math.ceil(total / 100), 1)} ms per page`,
    '',
  );

  log('audited writes');
  // Each PATCH is one transaction with its audit event, appended under the
  // organization's chain head lock: the write path the keyed chain adds to.
  const writePaths = rotating(seeded.userIds.slice(1000, 2000).map((id) => `/api/v1/users/${id}`));
  let renamed = 0;
  const writes = await load({
    url: API,
    requests: [
      {
        method: 'PATCH',
        headers: { authorization: owner, 'content-type': 'application/json' },
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          path: writePaths(),
          body: JSON.stringify({ displayName: `Renamed ${(renamed += 1)}` }),
        }),
      },
    ],
  });
  add(
    'PATCH /users/:id (audited write)',
    `${fmt(writes.requestsPerSecond)} req/s`,
    `p50 ${fmt(writes.p50)} ms, p99 ${fmt(writes.p99)} ms${writes.failures > 0 ? `, ${writes.failures} failed` : ''}`,
    '',
  );

  log('decisions');
  const decisionBodies = checkBodies(seeded.userIds, seeded.applicationIds, 100);
  const decisionLoad = {
    url: `${API}/api/v1/authz/check`,
    requests: [jsonPost(owner, decisionBodies)],
  };
  // Warmed like the reads and the list (the first seconds are reported too).
  const decisionsCold = await load({ ...decisionLoad, duration: 5 });
  const decisions = await load(decisionLoad);
  add(
    'POST /authz/check, 100 checks per call',
    `${fmt(decisions.requestsPerSecond * 100)} decisions/s`,
    `p50 ${fmt(decisions.p50)} ms, p99 ${fmt(decisions.p99)} ms per call; first 5 s: ${fmt(decisionsCold.requestsPerSecond * 100)}/s`,
    '',
    target(decisions.requestsPerSecond * 100, 50_000, 'least', 0, '/s'),
  );
  const actions = ['read', 'write', 'deploy', 'delete'];
  const singleBodies = rotating(
    Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({
        checks: [
          {
            userId: seeded.userIds[(i * 7) % seeded.userIds.length],
            action: actions[i % actions.length],
            resource: {
              type: 'application',
              id: seeded.applicationIds[i % seeded.applicationIds.length],
            },
          },
        ],
      }),
    ),
  );
  const single = await load({
    url: `${API}/api/v1/authz/check`,
    requests: [jsonPost(owner, singleBodies)],
  });
  const singleRatio = single.requestsPerSecond / bareRead.requestsPerSecond;
  add(
    'POST /authz/check, 1 check per call',
    `${fmt(single.requestsPerSecond)} req/s`,
    `p50 ${fmt(single.p50)} ms, p99 ${fmt(single.p99)} ms (ratio: of the bare read)`,
    fmt(singleRatio, 2),
    target(singleRatio, 0.4, 'least'),
  );

  log('login flood');
  const logins = rotating(
    seeded.activeUsernames
      .slice(0, 2000)
      .map((login) => JSON.stringify({ organization: 'default', login, password: USER_PASSWORD })),
  );
  const [flood, readsDuringFlood] = await Promise.all([
    load({
      url: `${API}/api/v1/auth/login`,
      connections: 50,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req: autocannon.Request) => ({ ...req, body: logins() }),
        },
      ],
    }),
    load({ url: API, connections: 5, requests: readRequests(owner) }),
  ]);
  add(
    'POST /auth/login, 50 connections',
    `${fmt(flood.requestsPerSecond)} logins/s`,
    `p50 ${fmt(flood.p50)} ms, p99 ${fmt(flood.p99)} ms`,
    '',
  );
  add(
    'GET /users/:id during the login flood',
    `${fmt(readsDuringFlood.requestsPerSecond)} req/s`,
    `p99 ${fmt(readsDuringFlood.p99)} ms (alone: ${fmt(jwtRead.p99)} ms)`,
    '',
  );

  log('audit export');
  const eventCount = AUDIT_EVENTS;
  const copyStarted = process.hrtime.bigint();
  const raw = await rawCopy(
    `copy (select id, seq, occurred_at, actor_type, actor_id, actor_username, actor_email, action, target_type, target_id, outcome, reason, changes, ip, user_agent, request_id, prev_hash, hash
       from audit_events where organization_id = '${organizationId}' order by seq) to stdout with (format csv, header true)`,
  );
  const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
  const exportStarted = process.hrtime.bigint();
  const [exported, peak] = await peakRss(apiPid, () =>
    download('/api/v1/audit-events/export?format=csv', owner),
  );
  const exportSeconds = Number(process.hrtime.bigint() - exportStarted) / 1e9;
  add(
    'COPY ... TO STDOUT WITH CSV (ceiling)',
    `${fmt((raw.lines - 1) / copySeconds)} rows/s`,
    `${fmt(raw.lines - 1)} rows, ${fmt(raw.bytes / 2 ** 20)} MiB in ${fmt(copySeconds, 1)} s`,
    '1.00',
  );
  add(
    'GET /audit-events/export?format=csv',
    `${fmt((exported.lines - 1) / exportSeconds)} rows/s`,
    `${fmt(exported.lines - 1)} rows in ${fmt(exportSeconds, 1)} s, API peak RSS ${fmt(peak)} MiB`,
    fmt((exported.lines - 1) / exportSeconds / ((raw.lines - 1) / copySeconds), 2),
  );
  if (exported.lines - 1 < eventCount)
    throw new Error(`export returned ${exported.lines - 1} rows`);

  log('access review');
  const me = await json('GET', '/api/v1/me', undefined, owner);
  const reviewStarted = process.hrtime.bigint();
  const campaign = await json(
    'POST',
    '/api/v1/access-reviews',
    {
      name: 'Bench: every user’s roles',
      scope: { type: 'all' },
      reviewing: ['roles'],
      reviewers: { managers: true, userIds: [(me.body.user as { id: string }).id] },
      dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    },
    owner,
  );
  const reviewSeconds = Number(process.hrtime.bigint() - reviewStarted) / 1e9;
  if (campaign.status !== 201) throw new Error(`access review: ${campaign.status}`);
  const reviewItems = (campaign.body.items as { total: number }).total;
  add(
    `POST /access-reviews over ${fmt(USERS)} users’ roles`,
    `${fmt(reviewSeconds, 2)} s`,
    `${fmt(reviewItems)} items snapshotted (grants read from the audit trail), one request`,
    '',
  );
  for (const format of ['json', 'csv'] as const) {
    const started = process.hrtime.bigint();
    const [report, reportPeak] = await peakRss(apiPid, () =>
      download(
        `/api/v1/access-reviews/${campaign.body.id as string}/report?format=${format}`,
        owner,
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    add(
      `GET /access-reviews/:id/report?format=${format}`,
      `${fmt(reviewItems / seconds)} items/s`,
      `${fmt(reviewItems)} items, ${fmt(report.bytes / 2 ** 20, 1)} MiB in ${fmt(seconds, 1)} s, API peak RSS ${fmt(reportPeak)} MiB`,
      '',
    );
  }

  log('bulk invite');
  /** 1,000 invites at 20 connections: seconds until the last mail arrived. */
  const inviteBatch = async (batch: string) => {
    const before = sink.messages.length;
    const inviteBodies = rotating(
      Array.from({ length: 1000 }, (_, i) =>
        JSON.stringify({ email: `bench-invitee-${batch}-${i}@example.com` }),
      ),
    );
    const started = Date.now();
    const result = await load({
      url: `${API}/api/v1/invites`,
      amount: 1000,
      connections: 20,
      requests: [jsonPost(owner, inviteBodies)],
    });
    const answered = (Date.now() - started) / 1000;
    await waitFor(
      () => Promise.resolve(sink.messages.length - before >= 1000),
      'the 1,000th invite mail',
      300_000,
    );
    const lastMail = ((sink.receivedAt.at(-1) ?? Date.now()) - started) / 1000;
    return { result, answered, lastMail };
  };
  // Measured warm, as the other paths (the first batch is reported too).
  const invitesCold = await inviteBatch('first');
  const invites = await inviteBatch('measured');
  add(
    '1,000 invites until the last mail arrives',
    `${fmt(invites.lastMail, 1)} s`,
    `requests answered in ${fmt(invites.answered, 1)} s (p99 ${fmt(invites.result.p99)} ms), ${invites.result.failures} failed; first 1,000: ${fmt(invitesCold.lastMail, 1)} s`,
    '',
    target(invites.lastMail, 10, 'most', 0, ' s'),
  );

  const consoleFigures = await measureConsole({
    baseUrl: API,
    organization: 'default',
    login: 'owner',
    password: OWNER_PASSWORD,
  });
  const usersPage = [...consoleFigures.usersFirstPageMs].sort((a, b) => a - b);
  const usersPageMedian = usersPage[Math.floor(usersPage.length / 2)] ?? Number.NaN;
  add(
    'console: initial JavaScript (compressed, as served)',
    `${fmt(consoleFigures.initialScriptBytes / 1000, 1)} kB`,
    `${consoleFigures.initialScripts} file(s) before sign-in`,
    '',
    target(consoleFigures.initialScriptBytes / 1000, 350, 'most', 0, ' kB'),
  );
  add(
    `console: users screen first page at ${fmt(USERS)} users (Chromium)`,
    `${fmt(usersPageMedian)} ms`,
    `median of ${usersPage.length} (${usersPage.map((ms) => fmt(ms)).join(', ')} ms); sign-in click to first page ${fmt(consoleFigures.signInToUsersMs)} ms`,
    '',
    target(usersPageMedian / 1000, 1, 'most', 2, ' s'),
  );

  bare.kill('SIGTERM');
  nestFloor.kill('SIGTERM');
  await stop(api);
  await sink.stop();

  const failures = [
    bareRead,
    jwtRead,
    keyRead,
    bareLive,
    nestLive,
    live,
    listCold,
    listAlone,
    list,
    decisionsCold,
    decisions,
    single,
    flood,
    readsDuringFlood,
    invitesCold.result,
    invites.result,
  ]
    .map((r) => r.failures)
    .reduce((a, b) => a + b, 0);
  const header = ['figure', 'throughput', 'latency / detail', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(
    `\nWarden benchmarks, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(
    `seed: ${fmt(USERS)} users, ${fmt(AUDIT_EVENTS)} audit events in ${fmt(seedSeconds, 1)} s; ${SECONDS} s per load figure\n`,
  );
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `\nnon-2xx or failed requests under load: ${failures}; total ${fmt((Date.now() - began) / 1000)} s`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
