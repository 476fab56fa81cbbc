import { createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
/**
 * Warden's configuration: every environment variable is read here, once,
 * validated, and turned into one typed, immutable AppConfig that is injected
 * where needed. Nothing else in the code base reads process.env.
 */

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export class AppConfig {
  readonly nodeEnv!: NodeEnv;
  readonly port!: number;
  readonly host!: string;
  /** Unset means: start an embedded PostgreSQL under dataDir (see infra/dev-services). */
  readonly databaseUrl!: string | undefined;
  readonly databasePoolMax!: number;
  /** How long the process waits at start for PostgreSQL to accept connections. */
  readonly databaseWaitSeconds!: number;
  /** Audit exports running at once; each holds its own PostgreSQL connection while it streams. */
  readonly auditExportConcurrency!: number;
  /** Apply pending migrations when the app starts. */
  readonly databaseMigrate!: boolean;
  readonly redisUrl!: string;
  /** Whether redisUrl was given explicitly (then Warden never starts its own redis-server). */
  readonly redisUrlExplicit!: boolean;
  /** Prefix of every Redis key and BullMQ queue, so several deployments or test runs share one Redis. */
  readonly redisKeyPrefix!: string;
  readonly smtpUrl!: string | undefined;
  readonly mailFrom!: string;
  /** Unset means: generated once and kept under dataDir. */
  readonly jwtSecret!: string | undefined;
  /** Encrypts secrets kept in the database (SSO client secrets). Unset means: generated once and kept under dataDir. */
  readonly secretsKey!: string | undefined;
  readonly audit!: {
    /**
     * Keys the audit chain's MACs (HMAC-SHA-256); it never lives in PostgreSQL.
     * Unset means: generated once and kept under dataDir.
     */
    readonly chainKey: string | undefined;
    /** Keys used before the current one, so events written under them still verify. */
    readonly previousChainKeys: readonly string[];
    /** Ed25519 private key (PKCS#8 PEM) that signs checkpoints. Unset means: generated under dataDir. */
    readonly signingKey: string | undefined;
  };
  readonly bootstrap!: {
    readonly orgSlug: string;
    readonly orgName: string;
    readonly ownerUsername: string;
    readonly ownerEmail: string;
    readonly ownerPassword: string | undefined;
  };
  readonly allowOrganizationSignup!: boolean;
  readonly publicUrl!: string;
  readonly docsEnabled!: boolean;
  readonly corsOrigins!: readonly string[];
  readonly logLevel!: LogLevel;
  readonly bodyLimitBytes!: number;
  /** Nesting levels and members (object keys plus array items) a JSON body may have. */
  readonly bodyMaxDepth!: number;
  readonly bodyMaxMembers!: number;
  readonly requestTimeoutMs!: number;
  readonly metricsEnabled!: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken!: string | undefined;
  /** Where zero-config state lives: embedded PostgreSQL, generated secrets. */
  readonly dataDir!: string;
  /** Run BullMQ workers inside the API process (`npm run start:worker` runs them alone). */
  readonly workersEnabled!: boolean;
  /**
   * On shutdown, how long queue workers wait for their running jobs before
   * closing regardless (a job still running then is retried by another worker).
   */
  readonly workerShutdownGraceMs!: number;
  readonly sso!: {
    /**
     * Private or loopback networks (CIDR or single addresses) that tenant-supplied
     * SSO URLs (discovery, JWKS, token endpoint) may reach anyway: an operator's
     * internal IdP. Everything else internal is refused. Plain http is allowed
     * only towards these networks.
     */
    readonly allowedNetworks: readonly string[];
    /** How long a started sign-in (state, nonce, PKCE verifier, SAML request id) waits for its callback. */
    readonly stateTtlSeconds: number;
    /** Clock difference tolerated on IdP timestamps (SAML conditions, ID token iat/exp). */
    readonly clockSkewSeconds: number;
    /** Timeout of every request to an IdP. */
    readonly httpTimeoutMs: number;
  };
  /** Trust X-Forwarded-For from a reverse proxy for the client IP. */
  readonly trustProxy!: boolean;
  readonly invites!: {
    /** How long an invite (and the link in its email) stays valid. */
    readonly ttlHours: number;
    /** The page of your client that accepts invites; the email links to it with `?token=`. */
    readonly acceptUrl: string;
  };
  readonly mail!: {
    /** Sending attempts per message before it is marked failed. */
    readonly maxAttempts: number;
    /** First retry delay; each further retry doubles it. */
    readonly backoffMs: number;
    /** Messages sent at once by one worker process. */
    readonly concurrency: number;
  };
  /** How often undelivered outbox rows are handed to the queue again (after a Redis outage). */
  readonly outboxPollMs!: number;
  readonly maintenance!: {
    readonly sessionsEverySeconds: number;
    /** Expired and revoked sessions are kept this long (for investigations) before they are purged. */
    readonly sessionGraceDays: number;
    readonly invitesEverySeconds: number;
    /** Expired and revoked invites are kept this long before they are deleted. */
    readonly inviteGraceDays: number;
    readonly auditEverySeconds: number;
    /** How often each organization's audit chain head gets a signed checkpoint. */
    readonly checkpointEverySeconds: number;
    /** How often access reviews are checked for reminders, due dates and overdue revokes. */
    readonly accessReviewsEverySeconds: number;
  };
  readonly loginThrottle!: {
    /** Failed sign-ins of one account before it is locked. */
    readonly maxFailures: number;
    readonly lockoutSeconds: number;
    /** Sign-in attempts from one IP per window before 429. */
    readonly ipMaxAttempts: number;
    readonly ipWindowSeconds: number;
  };
  /**
   * Password hashes computed at once (argon2id, 19 MiB and tens of ms of CPU
   * each); more wait their turn, so a sign-in flood leaves a core to
   * everything else.
   */
  readonly passwordHashConcurrency!: number;
}

function isEd25519PrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable; records a problem naming the variable when its value is wrong. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.problems.push(`${name} must be a URL (${protocols.join(' or ')})`);
      return undefined;
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      this.problems.push(`${name} must use ${protocols.join(' or ')}, not "${parsed.protocol}"`);
      return undefined;
    }
    return value;
  }

  /** A comma-separated list of CIDR ranges or single IP addresses. */
  networks(name: string): string[] {
    const entries = (this.raw(name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      const valid =
        family !== 0 &&
        Number.isInteger(bits) &&
        bits >= 0 &&
        bits <= (family === 6 ? 128 : 32) &&
        (prefix === undefined || /^\d+$/.test(prefix));
      if (!valid) {
        this.problems.push(`${name} must list IP addresses or CIDR ranges (got "${entry}")`);
      }
    }
    return entries;
  }

  matches(name: string, pattern: RegExp, rule: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!pattern.test(value)) {
      this.problems.push(`${name} ${rule} (got "${value}")`);
      return fallback;
    }
    return value;
  }
}

/** Builds the validated configuration; throws a ConfigError naming every wrong variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const port = read.int('PORT', 3000, 1, 65535);
  const jwtSecret = read.raw('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    read.problems.push('JWT_SECRET must be at least 32 characters long');
  }
  const auditChainKey = read.raw('AUDIT_CHAIN_KEY');
  const previousChainKeys = (read.raw('AUDIT_CHAIN_PREVIOUS_KEYS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  for (const [name, keys] of [
    ['AUDIT_CHAIN_KEY', auditChainKey === undefined ? [] : [auditChainKey]],
    ['AUDIT_CHAIN_PREVIOUS_KEYS', previousChainKeys],
  ] as const) {
    if (keys.some((key) => key.length < 32))
      read.problems.push(`${name} must be at least 32 characters long (each key)`);
  }
  const auditSigningKey = read.raw('AUDIT_SIGNING_KEY')?.replace(/\\n/g, '\n');
  if (auditSigningKey !== undefined && !isEd25519PrivateKey(auditSigningKey)) {
    read.problems.push('AUDIT_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM');
  }
  const secretsKey = read.raw('SECRETS_ENCRYPTION_KEY');
  if (secretsKey !== undefined && secretsKey.length < 32) {
    read.problems.push('SECRETS_ENCRYPTION_KEY must be at least 32 characters long');
  }
  const ssoAllowedNetworks = read.networks('SSO_ALLOWED_NETWORKS');
  const nodeEnv = read.oneOf<NodeEnv>(
    'NODE_ENV',
    ['development', 'production', 'test'],
    'development',
  );
  const redisUrl = read.url('REDIS_URL', ['redis', 'rediss']);

  const config: AppConfig = {
    nodeEnv,
    port,
    host: read.string('HOST', '0.0.0.0'),
    databaseUrl: read.url('DATABASE_URL', ['postgres', 'postgresql']),
    databasePoolMax: read.int('DATABASE_POOL_MAX', 10, 1, 500),
    databaseWaitSeconds: read.int('DATABASE_WAIT_SECONDS', 60, 0, 3_600),
    auditExportConcurrency: read.int('AUDIT_EXPORT_CONCURRENCY', 4, 1, 100),
    databaseMigrate: read.bool('DATABASE_MIGRATE', true),
    redisUrl: redisUrl ?? 'redis://127.0.0.1:6379',
    redisUrlExplicit: redisUrl !== undefined,
    redisKeyPrefix: read.matches(
      'REDIS_KEY_PREFIX',
      /^[A-Za-z0-9_.-]{1,64}$/,
      'must be 1-64 letters, digits, ".", "_" or "-"',
      'warden',
    ),
    smtpUrl: read.url('SMTP_URL', ['smtp', 'smtps']),
    mailFrom: read.string('MAIL_FROM', 'Warden <no-reply@localhost>'),
    jwtSecret,
    secretsKey,
    audit: {
      chainKey: auditChainKey,
      previousChainKeys,
      signingKey: auditSigningKey,
    },
    bootstrap: {
      orgSlug: read.matches(
        'BOOTSTRAP_ORG_SLUG',
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        'must be lowercase letters, digits and "-" (at most 63)',
        'default',
      ),
      orgName: read.string('BOOTSTRAP_ORG_NAME', 'Default'),
      ownerUsername: read.string('BOOTSTRAP_OWNER_USERNAME', 'owner'),
      ownerEmail: read.string('BOOTSTRAP_OWNER_EMAIL', 'owner@example.com'),
      ownerPassword: read.raw('BOOTSTRAP_OWNER_PASSWORD'),
    },
    allowOrganizationSignup: read.bool('ALLOW_ORGANIZATION_SIGNUP', false),
    publicUrl: read.url('PUBLIC_URL', ['http', 'https']) ?? `http://localhost:${port}`,
    docsEnabled: read.bool('DOCS_ENABLED', nodeEnv !== 'production'),
    corsOrigins: (read.raw('CORS_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    logLevel: read.oneOf<LogLevel>(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    bodyMaxDepth: read.int('BODY_MAX_DEPTH', 32, 4, 1000),
    bodyMaxMembers: read.int('BODY_MAX_MEMBERS', 10_000, 100, 1_000_000),
    requestTimeoutMs: read.int('REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    metricsEnabled: read.bool('METRICS_ENABLED', true),
    metricsToken: read.raw('METRICS_TOKEN'),
    dataDir: read.string('DATA_DIR', '.data'),
    workersEnabled: read.bool('WORKERS_ENABLED', true),
    workerShutdownGraceMs: read.int('WORKER_SHUTDOWN_GRACE_MS', 20_000, 0, 600_000),
    sso: {
      allowedNetworks: ssoAllowedNetworks,
      stateTtlSeconds: read.int('SSO_STATE_TTL_SECONDS', 600, 30, 3_600),
      clockSkewSeconds: read.int('SSO_CLOCK_SKEW_SECONDS', 120, 0, 600),
      httpTimeoutMs: read.int('SSO_HTTP_TIMEOUT_MS', 5_000, 100, 60_000),
    },
    trustProxy: read.bool('TRUST_PROXY', false),
    invites: {
      ttlHours: read.int('INVITE_TTL_HOURS', 168, 1, 24 * 90),
      acceptUrl:
        read.url('INVITE_ACCEPT_URL', ['http', 'https']) ??
        `${read.url('PUBLIC_URL', ['http', 'https']) ?? `http://localhost:${port}`}/console/accept-invite`,
    },
    mail: {
      maxAttempts: read.int('MAIL_MAX_ATTEMPTS', 8, 1, 100),
      backoffMs: read.int('MAIL_BACKOFF_MS', 10_000, 10, 3_600_000),
      concurrency: read.int('MAIL_CONCURRENCY', 10, 1, 200),
    },
    outboxPollMs: read.int('OUTBOX_POLL_MS', 5_000, 50, 600_000),
    maintenance: {
      sessionsEverySeconds: read.int('MAINTENANCE_SESSIONS_EVERY_SECONDS', 3_600, 1, 604_800),
      sessionGraceDays: read.int('SESSION_PURGE_GRACE_DAYS', 30, 0, 3_650),
      invitesEverySeconds: read.int('MAINTENANCE_INVITES_EVERY_SECONDS', 3_600, 1, 604_800),
      inviteGraceDays: read.int('INVITE_PURGE_GRACE_DAYS', 90, 0, 3_650),
      auditEverySeconds: read.int('MAINTENANCE_AUDIT_EVERY_SECONDS', 86_400, 1, 604_800),
      checkpointEverySeconds: read.int('MAINTENANCE_CHECKPOINT_EVERY_SECONDS', 3_600, 1, 604_800),
      accessReviewsEverySeconds: read.int(
        'MAINTENANCE_ACCESS_REVIEWS_EVERY_SECONDS',
        900,
        1,
        86_400,
      ),
    },
    loginThrottle: {
      maxFailures: read.int('LOGIN_MAX_FAILURES', 5, 1, 1000),
      lockoutSeconds: read.int('LOGIN_LOCKOUT_SECONDS', 900, 1, 86_400),
      ipMaxAttempts: read.int('LOGIN_IP_MAX_ATTEMPTS', 100, 1, 100_000),
      ipWindowSeconds: read.int('LOGIN_IP_WINDOW_SECONDS', 300, 1, 86_400),
    },
    passwordHashConcurrency: read.int(
      'PASSWORD_HASH_CONCURRENCY',
      Math.max(1, availableParallelism() - 1),
      1,
      64,
    ),
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return Object.freeze(config);
}

/** A copy of the configuration with some values replaced (used once dev services are up). */
export function withOverrides(config: AppConfig, overrides: Partial<AppConfig>): AppConfig {
  return Object.freeze({ ...config, ...overrides });
}
