import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AppConfig, withOverrides } from '../../../config/app-config';
import { type RunningService, startEmbeddedPostgres } from './embedded-postgres';
import { ensureRedis } from './private-redis';

export interface DevServices {
  /** The configuration with the URLs and secrets of what was started or generated. */
  config: AppConfig;
  stop(): Promise<void>;
}

/** The access-token secret for zero-config starts: generated once, kept under dataDir. */
async function persistentJwtSecret(dataDir: string): Promise<string> {
  const file = join(resolve(dataDir), 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(resolve(dataDir), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * What `npm start` needs with no configuration: an embedded PostgreSQL when
 * DATABASE_URL is unset, a private redis-server when REDIS_URL is unset and
 * nothing answers on the default port, a persistent JWT secret when none is set.
 */
export async function startDevServices(
  config: AppConfig,
  log: (message: string) => void,
): Promise<DevServices> {
  const started: RunningService[] = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    let { databaseUrl, redisUrl, jwtSecret } = config;
    if (databaseUrl === undefined) {
      const postgres = await startEmbeddedPostgres(config.dataDir, log);
      started.push(postgres);
      databaseUrl = postgres.url;
    }
    if (!config.redisUrlExplicit) {
      const redis = await ensureRedis(config.redisUrl, log);
      if (redis) {
        started.push(redis);
        redisUrl = redis.url;
      }
    }
    jwtSecret ??= await persistentJwtSecret(config.dataDir);
    return { config: withOverrides(config, { databaseUrl, redisUrl, jwtSecret }), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
