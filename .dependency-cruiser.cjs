/**
 * Warden's layers, lowest first (docs/architecture.md):
 *   common < config < infra < tenancy < authz < audit < directory
 *   < features (users, groups, applications, roles, sessions, api-keys, organizations, mfa)
 *   < entry points (auth, invites, sso, scim, offboarding, maintenance, outbox, queues, health, metrics,
 *     access-reviews)
 *   < the application (app.module, main, worker, cli).
 * A module imports only from layers below its own, and features never from each
 * other (what two features share belongs in the directory core). `npm run
 * deps:check` fails on any violation; there is no list of accepted ones.
 */
const FEATURES = 'users|groups|applications|roles|sessions|api-keys|organizations|mfa';
const ENTRY_POINTS =
  'auth|invites|sso|scim|offboarding|maintenance|outbox|queues|health|metrics|access-reviews';

module.exports = {
  forbidden: [
    {
      name: 'common-is-a-leaf',
      comment: 'src/common holds helpers every layer uses: it imports nothing of the application.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^(src/(?!common/)|config/)' },
    },
    {
      name: 'config-below-the-application',
      comment:
        'Configuration is read before anything else exists: it imports nothing of src/ but common.',
      severity: 'error',
      from: { path: '^config/', pathNot: '^config/(mikro-orm\\.config|migrations)\\.ts$' },
      to: { path: '^src/(?!common/)' },
    },
    {
      name: 'infra-below-the-domain',
      comment:
        'Infrastructure (database, Redis, queues, mail, dev services) knows no domain module.',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/(?!common/|infra/)' },
    },
    {
      name: 'tenancy-below-the-domain',
      comment:
        'The organizations every row belongs to are read by every layer above; tenancy reads only infra.',
      severity: 'error',
      from: { path: '^src/tenancy/' },
      to: { path: '^src/(?!common/|infra/|tenancy/)' },
    },
    {
      name: 'authz-on-common-only',
      comment:
        'The policy engine depends on common alone; it reports refusals through an interface it defines.',
      severity: 'error',
      from: { path: '^src/authz/' },
      to: { path: '^src/(?!common/|authz/|infra/)' },
    },
    {
      name: 'audit-below-the-domain',
      comment: 'Every module writes audit events, so the trail may not depend on any of them.',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: { path: '^src/(?!common/|infra/|tenancy/|authz/|audit/)' },
    },
    {
      name: 'directory-core-below-features',
      comment:
        'The directory core (users, groups, memberships and their rules) sits under every feature.',
      severity: 'error',
      from: { path: '^src/directory/' },
      to: { path: '^src/(?!common/|infra/|tenancy/|authz/|audit/|directory/)' },
    },
    {
      name: 'features-not-sideways',
      comment: 'A feature reaches another only through the directory core, never directly.',
      severity: 'error',
      from: { path: `^src/(${FEATURES})/` },
      to: { path: `^src/(${FEATURES})/`, pathNot: '^src/$1/' },
    },
    {
      name: 'features-below-entry-points',
      comment: 'Sign-in, invites, SSO, SCIM and the workers use features; features never use them.',
      severity: 'error',
      from: { path: `^src/(${FEATURES}|directory|audit|authz|tenancy|infra|common)/` },
      to: { path: `^src/(${ENTRY_POINTS})/` },
    },
    {
      name: 'nothing-imports-the-application',
      comment:
        'app.module, app.setup, main, worker and cli compose the modules; no module imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: {
        path: '^src/(app\\.module|app\\.setup|main|worker|worker\\.module|workers\\.module|cli)\\.ts$',
      },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles between files hide which way a dependency goes.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
