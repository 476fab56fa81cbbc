import { readFileSync } from 'node:fs';
import type autocannon from 'autocannon';

/**
 * What bench/run.ts, bench/profile.ts and bench/cpu.ts share: the benchmark database, the
 * API's production settings on it, and how the load talks to the API.
 */
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE = 'warden_bench';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const API_PORT = 3900;
export const API = `http://127.0.0.1:${API_PORT}`;
export const OWNER_PASSWORD = 'plum-tangerine-gazebo-9';

/** The administration URL (to create the benchmark database) and the benchmark database's own. */
export const adminUrl = ADMIN_URL;
export const databaseUrl = (() => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
})();

/** The API's environment: production mode on the benchmark database, mail to `smtpUrl`. */
export function apiEnvironment(smtpUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    PORT: String(API_PORT),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: 'warden-bench',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    SMTP_URL: smtpUrl,
    BOOTSTRAP_OWNER_PASSWORD: OWNER_PASSWORD,
    // The login flood signs in from one address on purpose.
    LOGIN_IP_MAX_ATTEMPTS: '100000',
    LOGIN_IP_WINDOW_SECONDS: '1',
    MAIL_CONCURRENCY: '20',
  };
}

/**
 * The Node.js flags production runs the API with: those of `npm run
 * start:prod` (package.json), so the bench measures what is deployed. The
 * bench's other servers (bare Fastify, the Nest floor) get them too.
 */
export const API_NODE_FLAGS: readonly string[] = (() => {
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
    scripts: Record<string, string>;
  };
  const command = packageJson.scripts['start:prod'] ?? '';
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/src\/main\.js$/.exec(command);
  if (match === null)
    throw new Error(`start:prod is not "node [flags] dist/src/main.js": ${command}`);
  return (match[1] ?? '').split(' ').filter(Boolean);
})();

/** The user list pages the list figures rotate through (filters, sorts, a search); the first page's cursor is the next page. */
export const LIST_PATHS = [
  '/api/v1/users?status=active&sort=username&limit=50',
  '/api/v1/users?role=developer&sort=-lastLoginAt&limit=50',
  '/api/v1/users?q=u0123&sort=-createdAt&limit=50',
  '/api/v1/users?limit=50',
] as const;

/** LIST_PATHS with the second page of the first one (`cursor`: the first page's nextCursor). */
export function listPaths(cursor: string): string[] {
  return [LIST_PATHS[0], `${LIST_PATHS[0]}&cursor=${cursor}`, ...LIST_PATHS.slice(1)];
}

/** Cycles through values, one per request. */
export function rotating<T>(values: readonly T[]): () => T {
  let i = 0;
  return () => values[i++ % values.length];
}

/** One JSON request to the API. */
export async function json(
  method: string,
  path: string,
  body?: unknown,
  auth?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(auth ? { authorization: auth } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** A POST of a JSON body made afresh for each request (`body`), as `auth`. */
export function jsonPost(auth: string, body: () => string): autocannon.Request {
  return {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }),
  };
}

/**
 * The decision loads' bodies: 20 calls of `perCall` checks each over the
 * given users and applications, cycled, so every run asks the same questions.
 */
export function checkBodies(
  userIds: readonly string[],
  applicationIds: readonly string[],
  perCall: number,
): () => string {
  const actions = ['read', 'write', 'deploy', 'delete'];
  return rotating(
    Array.from({ length: 20 }, (_, b) =>
      JSON.stringify({
        checks: Array.from({ length: perCall }, (_, i) => ({
          userId: userIds[(b * 100 + i * 7) % userIds.length],
          action: actions[i % actions.length],
          resource: {
            type: 'application',
            id: applicationIds[(b * 13 + i) % applicationIds.length],
          },
        })),
      }),
    ),
  );
}
