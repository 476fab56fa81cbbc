import { waitForDatabase } from '../../src/infra/database/wait-for-database';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp } from '../support/test-app';
import { TEST_ADMIN_DATABASE_URL } from '../support/test-env';

/** A proxy to the test PostgreSQL that refuses every connection until restored. */
async function unreachableDatabase(): Promise<TcpProxy> {
  const proxy = await TcpProxy.forUrl(TEST_ADMIN_DATABASE_URL).start();
  proxy.cut();
  return proxy;
}

describe('Waiting for PostgreSQL at start', () => {
  it('retries while PostgreSQL cannot be reached and goes on once it can', async () => {
    const proxy = await unreachableDatabase();
    const retries: string[] = [];
    const restore = setTimeout(() => proxy.restore(), 1_000);
    try {
      await waitForDatabase(proxy.rewrite(TEST_ADMIN_DATABASE_URL), {
        waitMs: 20_000,
        connectTimeoutMs: 3_000,
        onRetry: (error) => retries.push(error.message),
      });
      expect(retries.length).toBeGreaterThan(0);
    } finally {
      clearTimeout(restore);
      await proxy.stop();
    }
  });

  it('gives up with the last error once the time allowed is spent', async () => {
    const proxy = await unreachableDatabase();
    try {
      const started = Date.now();
      await expect(
        waitForDatabase(proxy.rewrite(TEST_ADMIN_DATABASE_URL), {
          waitMs: 1_000,
          connectTimeoutMs: 3_000,
        }),
      ).rejects.toThrow(/Connection terminated|ECONNRESET/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await proxy.stop();
    }
  });

  it('does not retry an error that waiting cannot cure', async () => {
    const url = new URL(TEST_ADMIN_DATABASE_URL);
    url.username = 'no_such_role_for_warden';
    const retries: string[] = [];
    await expect(
      waitForDatabase(url.toString(), {
        waitMs: 20_000,
        connectTimeoutMs: 3_000,
        onRetry: (error) => retries.push(error.message),
      }),
    ).rejects.toThrow(/no_such_role_for_warden/);
    expect(retries).toEqual([]);
  });

  it('lets a missing database through, for the ORM to create', async () => {
    const url = new URL(TEST_ADMIN_DATABASE_URL);
    url.pathname = '/warden_no_such_database';
    await expect(
      waitForDatabase(url.toString(), { waitMs: 5_000, connectTimeoutMs: 3_000 }),
    ).resolves.toBeUndefined();
  });

  it('starts the API once PostgreSQL comes up after it', async () => {
    const proxy = await unreachableDatabase();
    const restore = setTimeout(() => proxy.restore(), 1_500);
    try {
      const app = await startTestApp({ databaseUrl: (url) => proxy.rewrite(url) });
      try {
        expect((await app.http.get('/health/ready')).status).toBe(200);
      } finally {
        await app.close();
      }
    } finally {
      clearTimeout(restore);
      await proxy.stop();
    }
  });

  it('stops the API with the connection error when PostgreSQL never comes', async () => {
    const proxy = await unreachableDatabase();
    try {
      await expect(
        startTestApp({
          databaseUrl: (url) => proxy.rewrite(url),
          env: { DATABASE_WAIT_SECONDS: '1' },
        }),
      ).rejects.toThrow(/Connection terminated|ECONNRESET/);
    } finally {
      await proxy.stop();
    }
  });
});
