import { generateKeyPairSync, randomBytes } from 'node:crypto';
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

/** A secret for zero-config starts (JWT signing, secrets encryption): generated once, kept under dataDir. */
async function persistentSecret(
  dataDir: string,
  name: string,
  generate: () => string = () => randomBytes(48).toString('base64url'),
): Promise<string> {
  const file = join(resolve(dataDir), name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(resolve(dataDir), { recursive: true });
  const secret = generate();
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

function ed25519PrivatePem(): string {
  return generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/**
 * The audit chain key and checkpoint signing key: configured, or generated
 * once under dataDir (zero-config), like the JWT secret. The operators' CLI
 * resolves them the same way, so it verifies what `npm start` wrote.
 */
export async function resolveAuditKeys(config: AppConfig): Promise<AppConfig['audit']> {
  return {
    ...config.audit,
    chainKey: config.audit.chainKey ?? (await persistentSecret(config.dataDir, 'audit-chain-key')),
    signingKey:
      config.audit.signingKey ??
      (await persistentSecret(config.dataDir, 'audit-signing-key.pem', ed25519PrivatePem)),
  };
}

/**
 * What `npm start` needs with no configuration: an embedded PostgreSQL when
 * DATABASE_URL is unset, a private redis-server when REDIS_URL is unset and
 * nothing answers on the default port, persistent secrets when none are set.
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
    let { databaseUrl, redisUrl, jwtSecret, secretsKey } = config;
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
    jwtSecret ??= await persistentSecret(config.dataDir, 'jwt-secret');
    secretsKey ??= await persistentSecret(config.dataDir, 'secrets-key');
    const audit = await resolveAuditKeys(config);
    return {
      config: withOverrides(config, { databaseUrl, redisUrl, jwtSecret, secretsKey, audit }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
