import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../../../config/app-config';
import { DATABASE_CONNECT_TIMEOUT_MS } from '../../../config/mikro-orm.config';

/**
 * PostgreSQL errors that say "not now" rather than "never": the server is
 * starting up or shutting down (57P03, 57P01), or has no connection slot free
 * (53300). Wrong credentials or a refused role are not in this list.
 */
const NOT_NOW_CODES = new Set(['57P03', '57P01', '53300']);
const DATABASE_MISSING = '3D000';

/**
 * Errors on the way to PostgreSQL that a wait can cure: nothing listens yet,
 * the connection is cut, or it does not complete within its timeout (pg says
 * "timeout expired"), which a busy machine or a container still starting gives.
 */
export function isDatabaseNotReady(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const rawCode = (error as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : '';
  if (NOT_NOW_CODES.has(code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|timeout expired|Connection terminated/.test(
    `${code} ${error.message}`,
  );
}

export interface WaitForDatabaseOptions {
  /** How long to keep trying, from the first attempt. */
  readonly waitMs: number;
  /** Timeout of each connection attempt. */
  readonly connectTimeoutMs: number;
  /** Told about each failed attempt that will be retried. */
  readonly onRetry?: (error: Error, attempt: number) => void;
}

/**
 * Resolves once PostgreSQL at `url` accepts a connection and answers a query,
 * retrying with backoff while the error is one a wait can cure (see
 * isDatabaseNotReady) and the time allowed is not spent. Any other error, or the
 * last one once time is up, is thrown: the process then stops with its message.
 */
export async function waitForDatabase(url: string, options: WaitForDatabaseOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  let delayMs = 200;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs,
    });
    // A connection that breaks after connecting emits 'error' on the client;
    // without a listener that would crash the process instead of being retried.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      // The server answers; the database is missing. The ORM creates it at start.
      if ((error as { code?: unknown }).code === DATABASE_MISSING) return;
      if (!isDatabaseNotReady(error) || Date.now() + delayMs >= deadline) throw error;
      options.onRetry?.(error as Error, attempt);
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 2_000);
  }
}

/**
 * The process's wait for its configured PostgreSQL, before anything else opens a
 * connection: a container started beside PostgreSQL, or a busy machine, must not
 * stop the process on its first attempt, and a process that does give up has
 * nothing open yet (no Redis client, no worker) to keep it from exiting.
 */
export async function waitForConfiguredDatabase(config: AppConfig): Promise<void> {
  if (config.databaseUrl === undefined) return;
  const logger = new Logger('Database');
  await waitForDatabase(config.databaseUrl, {
    waitMs: config.databaseWaitSeconds * 1_000,
    connectTimeoutMs: DATABASE_CONNECT_TIMEOUT_MS,
    onRetry: (error, attempt) =>
      logger.warn(`PostgreSQL is not ready (attempt ${attempt}): ${error.message}; retrying`),
  });
}
