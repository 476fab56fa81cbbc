import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const CONSOLE_PATH = '/console';
const NONCE_PLACEHOLDER = /__CSP_NONCE__/g;

/**
 * The console's policy: its own origin only, no inline script, no eval, and
 * <style> elements only with this page load's nonce (emotion inserts them at
 * run time). Stricter than the API's default policy, which Swagger UI needs.
 */
export function consoleContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The repository root: the nearest folder up from here whose package.json is Warden's. */
function projectRoot(from: string): string {
  for (let folder = from; folder !== dirname(folder); folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'warden'
    ) {
      return folder;
    }
  }
  return from;
}

/** Where `npm run build` puts the console (dist/console beside dist/src). */
export function defaultConsoleDirectory(): string {
  return join(projectRoot(__dirname), 'dist', 'console');
}

/**
 * Serves the admin console: hashed assets under /console/assets/ (cached for a
 * year, the name changes with the content), and the single page for
 * /console and every path under it (the console routes in the browser), with
 * a fresh CSP nonce each time and never cached. Without a build, /console says
 * how to make one.
 */
export async function registerConsole(fastify: FastifyInstance, directory: string): Promise<void> {
  const indexFile = join(directory, 'index.html');
  const built = existsSync(indexFile);
  const page = built ? readFileSync(indexFile, 'utf8') : '';

  if (built) {
    await fastify.register(fastifyStatic, {
      root: join(directory, 'assets'),
      prefix: `${CONSOLE_PATH}/assets/`,
      decorateReply: false,
      // Routes for the files present at start-up, nothing else: no path ever reaches the disk.
      wildcard: false,
      index: false,
      // The build writes .br and .gz beside each asset (console/scripts/precompress.mjs).
      preCompressed: true,
      immutable: true,
      maxAge: '365d',
    });
  }

  const servePage = (_request: unknown, reply: FastifyReply) => {
    if (!built) {
      return reply.code(404).type('application/problem+json').send({
        type: 'urn:warden:problem:not-found',
        title: 'Not Found',
        status: 404,
        detail: 'The console is not built: run `npm run build` (npm start does it).',
        instance: CONSOLE_PATH,
      });
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-security-policy', consoleContentSecurityPolicy(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page.replace(NONCE_PLACEHOLDER, nonce));
  };
  // A missing asset is a 404, not the page (a stale tab asking for an old chunk must fail loudly).
  fastify.get(`${CONSOLE_PATH}/assets/*`, (request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: 'urn:warden:problem:not-found',
        title: 'Not Found',
        status: 404,
        detail: 'No such console file.',
        instance: request.url.split('?')[0],
      }),
  );
  fastify.get(CONSOLE_PATH, servePage);
  fastify.get(`${CONSOLE_PATH}/`, servePage);
  fastify.get(`${CONSOLE_PATH}/*`, servePage);
}
