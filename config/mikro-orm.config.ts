import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/core';
import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { loadConfig } from './app-config';
import { migrationsList } from './migrations';

/**
 * The MikroORM options shared by the app (src/infra/database) and the MikroORM
 * CLI (default export below). The app registers entities through
 * MikroOrmModule.forFeature (autoLoadEntities); the CLI discovers them by path.
 */
/**
 * Timeout of one attempt to open a PostgreSQL connection. A refused or reset
 * connection fails at once whatever this is; the timeout only bounds a server
 * that accepts and then stalls, and a busy two-core machine was seen taking
 * over three seconds to hand out a backend while two apps started at once.
 */
export const DATABASE_CONNECT_TIMEOUT_MS = 10_000;

export function baseOrmOptions(clientUrl: string, poolMax = 10): Options<PostgreSqlDriver> {
  return defineConfig({
    clientUrl,
    driver: PostgreSqlDriver,
    extensions: [Migrator],
    // A refused connection fails the waiting request at once (knex propagates
    // create errors), so requests answer 503 while PostgreSQL is down instead of
    // queueing; the pool reconnects once it is back. The acquire bound leaves a
    // connection attempt its whole timeout: shorter, it cut slow but healthy
    // connects on a loaded machine (KnexTimeoutError at start-up).
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS + 2_000 },
    driverOptions: { connection: { connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS } },
    forceUtcTimezone: true,
    // Nothing is lazily loaded behind the caller's back; services say what they need.
    forceEntityConstructor: false,
    allowGlobalContext: false,
    debug: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: join(__dirname, '..', 'migrations'),
      pathTs: join(__dirname, '..', 'migrations'),
      migrationsList,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: false,
      silent: true,
    },
  });
}

/** The URL of the embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset. */
export function embeddedDatabaseUrl(dataDir: string): string | undefined {
  const file = join(dataDir, 'embedded-postgres.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url;
}

function cliConfig(): Options<PostgreSqlDriver> {
  const config = loadConfig();
  const url = config.databaseUrl ?? embeddedDatabaseUrl(config.dataDir);
  if (url === undefined) {
    throw new Error(
      'Set DATABASE_URL, or run `npm start` once so that the embedded PostgreSQL exists.',
    );
  }
  return {
    ...baseOrmOptions(url),
    entities: ['./dist/src/**/*.entity.js'],
    entitiesTs: ['./src/**/*.entity.ts'],
  };
}

export default cliConfig;
