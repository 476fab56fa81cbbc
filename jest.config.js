// Two projects: fast unit specs beside the code, and e2e suites that boot the
// real app on real PostgreSQL and Redis. ESM-only packages are transpiled to CJS.
const esmOnly = ['openid-client', 'oauth4webapi', 'jose', 'oidc-provider'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
};
const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};

module.exports = {
  // A global option: Jest ignores testTimeout inside a project. E2E hooks boot
  // and close whole applications, which can outlast the 5 s default.
  testTimeout: 30000,
  // Suites run one at a time (they share one PostgreSQL and one Redis), in a
  // worker process rather than in Jest's own: every test file loads the whole
  // app afresh and the process keeps part of each (about 40 MB a file), so one
  // process running all of them ended above 3 GB of a 4 GB heap, where
  // collections take seconds and a start timed out. A worker past this after a
  // file is replaced (the limit also makes Jest use a worker at --maxWorkers=1).
  workerIdleMemoryLimit: '1GB',
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/config/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
