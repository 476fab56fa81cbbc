import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrlFor, TEST_ADMIN_DATABASE_URL, TEST_DATABASE_PREFIX } from './test-env';

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** An empty database of its own for one test suite. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`create database "${name}"`));
  return { name, url: databaseUrlFor(name) };
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`drop database if exists "${name}" with (force)`));
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops test databases left behind by crashed runs: only those whose creating
 * process is gone, so a run going on at the same time keeps its databases.
 */
export async function sweepStaleTestDatabases(): Promise<string[]> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${TEST_DATABASE_PREFIX}%`],
    );
    const stale = rows
      .map((row) => row.datname)
      .filter((name) => {
        const pid = Number(name.slice(TEST_DATABASE_PREFIX.length).split('_')[0]);
        return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
      });
    for (const name of stale) {
      await client.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    }
    return stale;
  });
}

/** Invalidations waiting in a test database for a process that reaches Redis to deliver them. */
export async function owedInvalidations(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ owed: number }>(
      'select count(*)::int as owed from owed_invalidations',
    );
    return rows[0].owed;
  } finally {
    await client.end();
  }
}
