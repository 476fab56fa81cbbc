import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { findFreePort } from './free-port';
import type { RunningService } from './embedded-postgres';

export const REDIS_HOW_TO =
  'Warden needs Redis 6.2 or newer. Start one with `docker compose up -d redis`, ' +
  '`sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis && brew services start redis` (macOS), ' +
  'or point REDIS_URL at an existing server.';

/** Whether a Redis server answers PING at this URL within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function hasRedisServerBinary(): Promise<boolean> {
  return new Promise((resolveFound) => {
    const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    probe.once('error', () => resolveFound(false));
    probe.once('exit', (code) => resolveFound(code === 0));
  });
}

/**
 * Zero-configuration Redis: use the one at the default URL when it answers;
 * otherwise start a private, memory-only redis-server on a free port when the
 * binary is installed; otherwise fail with instructions.
 */
export async function ensureRedis(
  defaultUrl: string,
  log: (message: string) => void,
): Promise<RunningService | undefined> {
  if (await redisAnswers(defaultUrl)) return undefined;
  if (!(await hasRedisServerBinary())) {
    throw new Error(`No Redis answers at ${defaultUrl}. ${REDIS_HOW_TO}`);
  }
  const port = await findFreePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers(url)) {
      log(`Started a private redis-server on ${url} (nothing answered at ${defaultUrl})`);
      return {
        url,
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      };
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`A private redis-server did not start on port ${port}. ${REDIS_HOW_TO}`);
}
