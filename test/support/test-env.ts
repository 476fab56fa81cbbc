/**
 * Where the tests find PostgreSQL and Redis. Defaults match this machine and
 * CI; override with TEST_DATABASE_URL (an admin connection: it creates and
 * drops databases) and TEST_REDIS_URL.
 */
export const TEST_ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Test databases are named warden_test_<pid>_<random>, so a sweep can tell dead runs from live ones. */
export const TEST_DATABASE_PREFIX = 'warden_test_';

export function databaseUrlFor(name: string): string {
  const url = new URL(TEST_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
