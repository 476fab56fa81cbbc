/**
 * CPU per request of one hot path, on the database `npm run bench` left
 * seeded (warden_bench): the server's utime + stime (`/proc/<pid>/stat`, all
 * its threads) over a measured load, divided by the requests served. Where
 * throughput swings with a shared VM, this moves much less; it needs Linux.
 *
 * Usage: npx ts-node --transpile-only bench/cpu.ts <live|floor-live|bare-live|hooks-live|decisions|invites> [runs]
 * - live: Warden's GET /health/live, 60,000 requests at 10 connections
 * - floor-live: the same on bench/nest-floor-server.ts (Nest's own floor)
 * - bare-live, hooks-live: the same on bench/bare-server.ts, bare and with Warden's request hooks
 * - list: GET /api/v1/users pages as `npm run bench` rotates them, 8 s at 10
 *   connections, with PostgreSQL's CPU per request beside the API's
 * - decisions: POST /authz/check with 100 checks, 8 s at 10 connections, with
 *   PostgreSQL's and the load generator's (this process's) CPU per call beside the API's
 * - invites: 1,000 invites at 20 connections until the last mail, as `npm run bench`
 * Every server runs with production's Node.js flags (`npm run start:prod`);
 * `BENCH_API_FLAGS` (space-separated) add to the API's, e.g. V8 flags.
 */
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
} from './bench-api';

const scenario = process.argv[2] ?? '';
const runs = Number(process.argv[3] ?? 3);
/** The other servers GET /live runs on, as `npm run bench` starts them. */
const CEILINGS: Record<string, { script: string; port: number; path: string } | undefined> = {
  'floor-live': { script: 'bench/nest-floor-server.ts', port: 3902, path: '/live' },
  'bare-live': { script: 'bench/bare-server.ts', port: 3901, path: '/live' },
  'hooks-live': { script: 'bench/bare-server.ts', port: 3901, path: '/with-hooks/live' },
};
const SCENARIOS = ['live', ...Object.keys(CEILINGS), 'list', 'decisions', 'invites'];
if (!SCENARIOS.includes(scenario))
  throw new Error(`usage: bench/cpu.ts <${SCENARIOS.join('|')}> [runs]`);

/** CPU seconds a process has used so far, every thread included. */
function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The most resident memory a process has had (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmHWM:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

/** CPU seconds every PostgreSQL process (postmaster, backends, workers) has used so far. */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes('(postgres)')) total += cpuSeconds(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

async function until(url: string): Promise<void> {
  while (
    !(await fetch(url).then(
      (response) => response.ok,
      () => false,
    ))
  )
    await new Promise((resolve) => setTimeout(resolve, 250));
}

async function ids(sql: string): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query<{ id: string }>(sql)).rows.map((row) => row.id);
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const sink = await new SmtpSink().start();
  const flags = (process.env.BENCH_API_FLAGS ?? '').split(' ').filter(Boolean);
  const ceiling = CEILINGS[scenario];
  const server: ChildProcess = ceiling
    ? spawn(
        process.execPath,
        [...API_NODE_FLAGS, '-r', 'ts-node/register/transpile-only', ceiling.script],
        {
          env: { ...process.env, PORT: String(ceiling.port), DATABASE_URL: databaseUrl },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        },
      )
    : spawn(process.execPath, [...API_NODE_FLAGS, ...flags, 'dist/src/main.js'], {
        env: apiEnvironment(sink.url),
        stdio: 'ignore',
      });
  const pid = server.pid as number;
  try {
    if (ceiling) {
      const url = `http://127.0.0.1:${ceiling.port}${ceiling.path}`;
      await until(url);
      await measureLive(pid, url);
      return;
    }
    await until(`${API}/health/live`);
    if (scenario === 'live') {
      await measureLive(pid, `${API}/health/live`);
      return;
    }
    const login = await json('POST', '/api/v1/auth/login', {
      organization: 'default',
      login: 'owner',
      password: OWNER_PASSWORD,
    });
    const owner = `Bearer ${login.body.accessToken as string}`;
    if (scenario === 'list') await measureList(pid, owner);
    else if (scenario === 'decisions') await measureDecisions(pid, owner);
    else await measureInvites(pid, owner, sink);
  } finally {
    console.log(`${scenario}: server peak RSS ${peakRssMiB(pid)} MiB`);
    server.kill('SIGTERM');
    await sink.stop();
  }
}

async function measureLive(pid: number, url: string): Promise<void> {
  await autocannon({ url, connections: 10, amount: 15_000 });
  for (let run = 0; run < runs; run++) {
    const before = cpuSeconds(pid);
    const result = await autocannon({ url, connections: 10, amount: 60_000 });
    const perRequest = ((cpuSeconds(pid) - before) * 1e6) / result.requests.total;
    console.log(
      `${scenario}: ${perRequest.toFixed(1)} µs CPU per request, ${Math.round(result.requests.average)} req/s`,
    );
  }
}

async function measureList(pid: number, owner: string): Promise<void> {
  const first = await json('GET', LIST_PATHS[0] ?? '', undefined, owner);
  const paths = rotating(listPaths(first.body.nextCursor as string));
  const options: autocannon.Options = {
    url: API,
    connections: 10,
    requests: [
      {
        method: 'GET',
        headers: { authorization: owner },
        setupRequest: (request: autocannon.Request) => ({ ...request, path: paths() }),
      },
    ],
  };
  await autocannon({ ...options, duration: 2 });
  for (let run = 0; run < runs; run++) {
    const api = cpuSeconds(pid);
    const database = postgresCpuSeconds();
    const result = await autocannon({ ...options, duration: 8 });
    const perRequest = (seconds: number) => ((seconds * 1000) / result.requests.total).toFixed(2);
    console.log(
      `list: ${perRequest(cpuSeconds(pid) - api)} ms API CPU and ${perRequest(postgresCpuSeconds() - database)} ms PostgreSQL CPU per page, ${Math.round(result.requests.average)} req/s, p97.5 ${result.latency.p97_5} ms, non-2xx ${result.non2xx}`,
    );
  }
}

async function measureDecisions(pid: number, owner: string): Promise<void> {
  // The same calls as bench/run.ts: 20 bodies of 100 checks over the seeded users and applications.
  const userIds = await ids("select id from users where username like 'bench-u%' order by id");
  const applicationIds = await ids('select id from applications order by id');
  const options: autocannon.Options = {
    url: `${API}/api/v1/authz/check`,
    connections: 10,
    requests: [jsonPost(owner, checkBodies(userIds, applicationIds, 100))],
  };
  await autocannon({ ...options, duration: 2 });
  for (let run = 0; run < runs; run++) {
    const api = cpuSeconds(pid);
    const database = postgresCpuSeconds();
    const load = process.cpuUsage();
    const result = await autocannon({ ...options, duration: 8 });
    const perCall = (seconds: number) => ((seconds * 1000) / result.requests.total).toFixed(2);
    const { user, system } = process.cpuUsage(load);
    console.log(
      `decisions: ${perCall(cpuSeconds(pid) - api)} ms API CPU, ${perCall(postgresCpuSeconds() - database)} ms PostgreSQL CPU and ${perCall((user + system) / 1e6)} ms load generator CPU per call of 100, ${Math.round(result.requests.average * 100)} decisions/s, non-2xx ${result.non2xx}`,
    );
  }
}

async function measureInvites(pid: number, owner: string, sink: SmtpSink): Promise<void> {
  const tag = Date.now();
  for (let run = 0; run < runs; run++) {
    let i = 0;
    const before = cpuSeconds(pid);
    const mailed = sink.messages.length;
    const started = Date.now();
    const result = await autocannon({
      url: `${API}/api/v1/invites`,
      amount: 1000,
      connections: 20,
      requests: [
        jsonPost(owner, () =>
          JSON.stringify({ email: `cpu-${tag}-${run}-${(i += 1)}@example.com` }),
        ),
      ],
    });
    await sink.waitFor(mailed + 1000, 300_000);
    const seconds = (Date.now() - started) / 1000;
    // Seconds of CPU over 1,000 invites are milliseconds per invite.
    const perInvite = cpuSeconds(pid) - before;
    console.log(
      `invites: last mail after ${seconds.toFixed(1)} s, ${perInvite.toFixed(1)} ms of API CPU per invite, non-2xx ${result.non2xx}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
