import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { type AppConfig, loadConfig } from '../../config/app-config';
import { createApp } from '../../src/app.setup';
import type { Clock } from '../../src/common/clock/clock';
import { ACCESS_LOGGER, type AccessLog } from '../../src/common/logging/logger';
import { createTestDatabase, dropTestDatabase } from './test-database';
import { TEST_REDIS_URL } from './test-env';

/** One Ed25519 key for every test app of a run (generating costs little, but one is enough). */
export const TEST_AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

export interface TestAppOptions {
  /** Extra environment variables, as an operator would set them. */
  env?: Record<string, string>;
  /** Modules added beside AppModule's (probe controllers for tests of cross-cutting behaviour). */
  imports?: DynamicModule['imports'];
  /** Rewrites the database and Redis URLs the app gets (to route them through a TcpProxy). */
  databaseUrl?: (url: string) => string;
  redisUrl?: (url: string) => string;
  /** The app's time source (a ManualClock moves time without sleeping). */
  clock?: Clock;
  /**
   * PUBLIC_URL is the address the app listens on, so links it builds (SSO
   * callbacks, invite pages) work in a real browser.
   */
  publicUrlIsBaseUrl?: boolean;
}

/** A port nothing listens on now (the OS picks it; the app binds it straight after). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> of the listening app. */
  baseUrl: string;
  /** supertest against the listening app, over real HTTP. */
  http: TestAgent;
  /** Every JSON log line the app wrote. */
  logs: string[];
  /** `logs`, once the access lines of every request answered so far are written (they go out in batches). */
  settledLogs(): Promise<string[]>;
  databaseName: string;
  databaseUrl: string;
  /** Shuts the app down as a SIGTERM would; its database and Redis keys stay for inspection. */
  stop(): Promise<void>;
  /** Stops the app (if still running), deletes its Redis keys and drops its database. */
  close(): Promise<void>;
}

/** Collects pino's JSON lines in memory. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    done();
  }
}

/**
 * Passport keeps its strategies in a process-wide registry, so only one app
 * that authenticates requests may run at a time in a test file (as in
 * production, one per process); start the next after closing the previous.
 *
 * Boots the real app (same createApp as production) on a fresh database of its
 * own and a Redis key prefix of its own, listening on a free port. close()
 * stops it, deletes its Redis keys and drops its database.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const runId = randomBytes(6).toString('hex');
  const redisKeyPrefix = `warden-test-${process.pid}-${runId}`;
  const listenPort = options.publicUrlIsBaseUrl ? await freePort() : 0;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(database.url) : database.url,
    REDIS_URL: options.redisUrl ? options.redisUrl(TEST_REDIS_URL) : TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHAIN_KEY: randomBytes(32).toString('hex'),
    AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
    BOOTSTRAP_OWNER_PASSWORD: 'correct-horse-battery-staple',
    ...(options.publicUrlIsBaseUrl ? { PUBLIC_URL: `http://127.0.0.1:${listenPort}` } : {}),
    ...options.env,
  });
  const logs = new LogCapture();
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, {
      logDestination: logs,
      imports: options.imports,
      clock: options.clock,
    });
    await app.listen({ port: listenPort, host: '127.0.0.1' });
  } catch (error) {
    // A start that failed in listen (a module's init hook) has an app to close;
    // one that failed inside NestFactory.create has none to reach.
    await app?.close().catch(() => undefined);
    await deleteRedisKeys(redisKeyPrefix);
    await dropTestDatabase(database.name);
    throw error;
  }
  const started = app;
  const address = started.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= started.close());

  return {
    app: started,
    config,
    baseUrl,
    http: request(baseUrl),
    logs: logs.lines,
    async settledLogs() {
      await new Promise((resolve) => setImmediate(resolve));
      started.get<AccessLog>(ACCESS_LOGGER).flush();
      return logs.lines;
    },
    databaseName: database.name,
    databaseUrl: database.url,
    stop,
    async close() {
      await stop();
      await deleteRedisKeys(redisKeyPrefix);
      await dropTestDatabase(database.name);
    },
  };
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
