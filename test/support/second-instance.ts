import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { findFreePort } from '../../src/infra/dev-services/free-port';
import type { TestApp } from './test-app';
import { TEST_REDIS_URL } from './test-env';

export interface SecondInstance {
  http: TestAgent;
  stop(): Promise<void>;
}

/**
 * src/main.ts in a process of its own on a free port (production's entry
 * point, run from source), with only PATH and the given variables set.
 */
export async function spawnApi(
  env: Record<string, string>,
  stdio: 'ignore' | 'pipe',
): Promise<{ child: ChildProcess; http: TestAgent }> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: join(__dirname, '..', '..'),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio,
  });
  return { child, http: request(`http://127.0.0.1:${port}`) };
}

/**
 * Runs src/main.ts in its own process, as another API instance would run
 * beside the first: same database, same Redis and key prefix, same signing
 * secret and issuer. Nothing is shared in memory.
 */
export async function startSecondInstance(env: Record<string, string>): Promise<SecondInstance> {
  const { child, http } = await spawnApi(env, 'ignore');
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`second instance exited with ${child.exitCode}`);
    const ready = await http.get('/health/ready').then(
      (response) => response.status,
      () => 0,
    );
    if (ready === 200) return { http, stop };
    await new Promise((wait) => setTimeout(wait, 250));
  }
  await stop();
  throw new Error('second instance did not become ready');
}

/** Another instance beside a test app: its database, Redis prefix, signing secret and issuer. */
export function startSecondInstanceBeside(app: TestApp): Promise<SecondInstance> {
  return startSecondInstance({
    DATABASE_URL: app.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: app.config.redisKeyPrefix,
    JWT_SECRET: app.config.jwtSecret ?? '',
    PUBLIC_URL: app.config.publicUrl,
  });
}
