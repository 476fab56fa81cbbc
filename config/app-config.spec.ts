import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('needs no variable at all and documents its defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlExplicit: false,
      allowOrganizationSignup: false,
      publicUrl: 'http://localhost:3000',
      docsEnabled: true,
      corsOrigins: [],
      bodyLimitBytes: 1024 * 1024,
      bodyMaxDepth: 32,
      bodyMaxMembers: 10_000,
      bootstrap: {
        orgSlug: 'default',
        orgName: 'Default',
        ownerUsername: 'owner',
        ownerEmail: 'owner@example.com',
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads typed values', () => {
    const config = loadConfig({
      PORT: '8080',
      ALLOW_ORGANIZATION_SIGNUP: 'true',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      DATABASE_URL: 'postgresql://u:p@db:5432/warden',
      REDIS_URL: 'redis://cache:6380/2',
    });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.allowOrganizationSignup).toBe(true);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.redisUrlExplicit).toBe(true);
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: '3' }).passwordHashConcurrency).toBe(3);
    expect(
      loadConfig({ SSO_ALLOWED_NETWORKS: '10.0.0.0/8, 127.0.0.1 ,fd00::/8' }).sso.allowedNetworks,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(loadConfig({}).sso).toEqual({
      allowedNetworks: [],
      stateTtlSeconds: 600,
      clockSkewSeconds: 120,
      httpTimeoutMs: 5000,
    });
  });

  it('turns Swagger UI off in production unless DOCS_ENABLED says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).docsEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
  });

  it('names every wrong variable and what is wrong with it', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        ALLOW_ORGANIZATION_SIGNUP: 'maybe',
        JWT_SECRET: 'short',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('PORT must be a whole number from 1 to 65535 (got "abc")');
    expect(message).toContain('DATABASE_URL must use postgres or postgresql');
    expect(message).toContain('ALLOW_ORGANIZATION_SIGNUP must be true or false (got "maybe")');
    expect(message).toContain('JWT_SECRET must be at least 32 characters long');
  });

  it.each([
    ['PORT', '70000'],
    ['REDIS_URL', 'not a url'],
    ['BOOTSTRAP_ORG_SLUG', 'Has Spaces'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT_BYTES', '12'],
    ['BODY_MAX_DEPTH', '2'],
    ['BODY_MAX_MEMBERS', 'lots'],
    ['PASSWORD_HASH_CONCURRENCY', '0'],
    ['SECRETS_ENCRYPTION_KEY', 'too-short'],
    ['SSO_ALLOWED_NETWORKS', '10.0.0.0/33'],
    ['SSO_ALLOWED_NETWORKS', 'intranet.example'],
    ['SSO_ALLOWED_NETWORKS', '10.0.0.0/8x'],
    ['SSO_CLOCK_SKEW_SECONDS', '3600'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^Invalid configuration:\\n  - ${name} `),
    );
  });
});
