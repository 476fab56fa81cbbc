import fc from 'fast-check';
import { Client } from 'pg';
import { BUILT_IN_ROLE_KEYS } from '../../src/authz/vocabulary';
import { IDP_CERT, IDP_ENTITY_ID, IDP_SSO_URL } from '../support/saml-idp';
import {
  BOOTSTRAP_PASSWORD,
  createUser,
  signIn,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import type { TestApp } from '../support/test-app';
import {
  type FuzzRequest,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  type Pools,
  requestsFor,
} from './openapi-fuzz';

/** Who sends a request: nobody, a signed-in person of one role, or an API key. */
interface Caller {
  name: string;
  headers: () => Record<string, string>;
  /** Signs in again when the fuzz ended this caller's session (logout, say). */
  renew?: () => Promise<void>;
}

export interface Violation {
  request: string;
  caller: string;
  status: number;
  problem: string;
}

export interface FuzzReport {
  sent: number;
  operations: number;
  operationsCovered: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** 4xx and 5xx answers that were RFC 9457 problem documents with a matching status. */
  problemConformance: { conforming: number; errors: number };
  /** 4xx answers after which the database differed (beyond refusal audit events). */
  changedBy4xx: number;
  /** 2xx answers after which it differed: proof that the fingerprint sees changes at all. */
  changedBy2xx: number;
  violations: Violation[];
  seconds: number;
}

/**
 * Everything a 4xx must leave as it was: every table's rows (columns that
 * record use, like last-used times, left out) and the audit events other than
 * refusals. A refused request may append `outcome = failure` events (denied,
 * failed sign-in): that is the audit trail doing its job.
 */
async function fingerprintQuery(db: Client): Promise<string> {
  const { rows } = await db.query<{ table_name: string; columns: string[] }>(`
    select c.relname as table_name, array_agg(a.attname::text order by a.attnum) as columns
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.relkind in ('r', 'p') and not c.relispartition
       and c.relname not in ('mikro_orm_migrations', 'audit_events', 'audit_chain_heads')
     group by c.relname order by c.relname`);
  // Use timestamps, and the outbox relay's mark, which lands after the commit
  // of the request that queued the mail, so possibly during the next request.
  const touched = new Set([
    'last_used_at',
    'last_used_ip',
    'last_seen_at',
    'last_activity_at',
    'dispatched_at',
  ]);
  const parts = rows.map(({ table_name, columns }) => {
    const kept = columns.filter((column) => !touched.has(column)).map((c) => `"${c}"`);
    return `(select '${table_name}:' || count(*) || ':' || coalesce(md5(string_agg(r::text, ',' order by r::text)), '')
               from (select ${kept.join(', ')} from "${table_name}") r)`;
  });
  parts.push(`(select 'audit:' || count(*) from audit_events where outcome <> 'failure')`);
  return `select concat_ws('|', ${parts.join(', ')}) as fingerprint`;
}

/**
 * Every error is a problem document (RFC 9457), except under /scim/v2, where
 * IdPs expect the SCIM Error schema (RFC 7644 §3.12) with the status as a
 * string; only a 431 there stays a problem document (Node answers it before
 * the request line is read).
 */
function isProblem(
  url: string,
  status: number,
  contentType: string | null,
  text: string,
): string | null {
  // A 431 is written by Node before the request line is parsed: no route, so no SCIM shape.
  const scim = url.startsWith('/scim/v2') && status !== 431;
  const expected = scim ? 'application/scim+json' : 'application/problem+json';
  if (!(contentType ?? '').startsWith(expected))
    return `content-type ${contentType ?? 'none'}, not ${expected}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (/\n\s+at /.test(text)) return 'error carries a stack trace';
  if (scim) {
    const schemas = body.schemas;
    if (!Array.isArray(schemas) || schemas[0] !== 'urn:ietf:params:scim:api:messages:2.0:Error')
      return 'SCIM error without the Error schema';
    if (typeof body.detail !== 'string') return 'SCIM error has no string "detail"';
    if (body.status !== String(status))
      return `SCIM error status ${String(body.status)} on a ${status} answer`;
    return null;
  }
  for (const member of ['type', 'title', 'detail'] as const) {
    if (typeof body[member] !== 'string') return `problem has no string "${member}"`;
  }
  if (body.status !== status) return `problem status ${String(body.status)} on a ${status} answer`;
  return null;
}

function describe(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : ` ${request.body.slice(0, 300)}`;
  return `${request.method.toUpperCase()} ${request.url.slice(0, 300)} [${request.contentType ?? '-'}]${body}`;
}

/** Things that exist, made through the API, so generated ids often name real rows. */
async function makeWorld(t: TestApp, owner: SignedIn): Promise<Pools> {
  const as = (method: 'post' | 'get', path: string, body?: object) =>
    t.http[method](path).set('authorization', owner.auth).send(body);
  const users: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    users.push((await createUser(t, owner, [i === 0 ? 'developer' : 'user'])).id);
  }
  const group = (await as('post', '/api/v1/groups', { name: 'Fuzz group' })).body.id as string;
  await as('post', `/api/v1/groups/${group}/members`, { userIds: users.slice(0, 2) });
  const role = (
    await as('post', '/api/v1/roles', {
      key: 'fuzz_role',
      name: 'Fuzz role',
      permissions: [{ action: 'read', subject: 'User' }],
    })
  ).body.key as string | undefined;
  const application = (await as('post', '/api/v1/applications', { name: 'Fuzz app' })).body
    .id as string;
  const policy = (
    await as('post', `/api/v1/applications/${application}/policies`, {
      name: 'Fuzz policy',
      effect: 'allow',
      actions: ['read'],
    })
  ).body.id as string | undefined;
  const invite = (await as('post', '/api/v1/invites', { email: 'fuzz-invitee@example.com' })).body
    .id as string;
  const apiKey = (await as('post', '/api/v1/api-keys', { name: 'fuzz key' })).body.id as string;
  const sso = (
    await as('post', '/api/v1/sso-connections', {
      name: 'Fuzz SAML',
      protocol: 'saml',
      saml: { idpEntityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, certificate: IDP_CERT },
    })
  ).body.id as string;
  const sessions = (await as('get', `/api/v1/users/${users[1]}/sessions`)).body.items as
    Array<{ id: string }> | undefined;
  const present = (values: Array<string | undefined>) =>
    values.filter((value): value is string => typeof value === 'string');
  return {
    users,
    userId: users,
    userIds: users,
    ownerId: users,
    actorId: users,
    targetId: users,
    transferOwnershipTo: users,
    groups: [group],
    groupId: [group],
    groupIds: [group],
    roles: present([role, ...BUILT_IN_ROLE_KEYS]),
    role: present([role, ...BUILT_IN_ROLE_KEYS]),
    applications: [application],
    applicationId: [application],
    policies: present([policy]),
    invites: [invite],
    'api-keys': [apiKey],
    'sso-connections': [sso],
    sessions: present((sessions ?? []).map((session) => session.id)),
    queues: ['mail', 'maintenance'],
    organization: [t.config.bootstrap.orgSlug],
  };
}

async function makeCallers(t: TestApp, owner: SignedIn): Promise<Caller[]> {
  const callers: Caller[] = [{ name: 'anonymous', headers: () => ({}) }];
  const signedIn = (name: string, who: SignedIn, password: string): Caller => {
    let current = who;
    return {
      name,
      headers: () => ({ authorization: current.auth }),
      renew: async () => {
        current = await signIn(t, t.config.bootstrap.orgSlug, who.username, password);
      },
    };
  };
  callers.push(signedIn('owner', owner, BOOTSTRAP_PASSWORD));
  for (const role of BUILT_IN_ROLE_KEYS.filter((key) => key !== 'owner')) {
    callers.push(signedIn(role, await createUser(t, owner, [role]), TEST_PASSWORD));
  }
  const key = await t.http
    .post('/api/v1/api-keys')
    .set('authorization', owner.auth)
    .send({ name: 'fuzz caller', type: 'system', roles: ['it_admin'] });
  if (typeof key.body.key === 'string') {
    const secret = key.body.key as string;
    callers.push({ name: 'system api key', headers: () => ({ 'x-api-key': secret }) });
  }
  const scimKey = await t.http
    .post('/api/v1/api-keys')
    .set('authorization', owner.auth)
    .send({ name: 'fuzz SCIM client', type: 'system', scim: true });
  const scimSecret = scimKey.body.key as string;
  callers.push({
    name: 'scim api key',
    headers: () => ({ authorization: `Bearer ${scimSecret}` }),
  });
  return callers;
}

/**
 * Sends `count` generated requests (spread over every operation of the served
 * OpenAPI document and over every caller) to a running app and judges each
 * answer: never a 5xx; every error a problem document; nothing changed by a 4xx.
 */
export async function runFuzz(
  t: TestApp,
  options: { count: number; seed: number },
): Promise<FuzzReport> {
  const started = Date.now();
  const owner = await signInOwner(t);
  const document = (await t.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
  const operations = operationsOf(document);
  const pools = await makeWorld(t, owner);
  const callers = await makeCallers(t, owner);
  const perOperation = Math.max(1, Math.ceil(options.count / operations.length));
  const batches = operations.map((operation: Operation, index) =>
    fc.sample(fc.tuple(requestsFor(document, operation, pools), fc.nat(callers.length - 1)), {
      numRuns: perOperation,
      seed: options.seed + index,
    }),
  );
  // Interleave operations so that one operation's changes meet the others' requests.
  const plan: Array<[FuzzRequest, number]> = [];
  for (let round = 0; round < perOperation; round += 1) {
    for (const batch of batches) {
      const item = batch[round];
      if (item) plan.push(item);
    }
  }

  const db = new Client({ connectionString: t.databaseUrl });
  await db.connect();
  const fingerprintSql = await fingerprintQuery(db);
  const fingerprint = async () =>
    (await db.query<{ fingerprint: string }>(fingerprintSql)).rows[0]?.fingerprint ?? '';

  const report: FuzzReport = {
    sent: 0,
    operations: operations.length,
    operationsCovered: 0,
    byStatus: {},
    serverErrors: 0,
    problemConformance: { conforming: 0, errors: 0 },
    changedBy4xx: 0,
    changedBy2xx: 0,
    violations: [],
    seconds: 0,
  };
  const covered = new Set<Operation>();
  const violate = (request: FuzzRequest, caller: Caller, status: number, problem: string) => {
    if (report.violations.length < 50)
      report.violations.push({ request: describe(request), caller: caller.name, status, problem });
  };

  let before = await fingerprint();
  try {
    for (const [request, callerIndex] of plan) {
      const caller = callers[callerIndex] ?? callers[0];
      const headers: Record<string, string> = { ...caller.headers() };
      // fetch() sends no body with GET; the generated one is dropped there.
      const body = request.method === 'get' ? undefined : request.body;
      if (body !== undefined && request.contentType !== undefined)
        headers['content-type'] = request.contentType;
      let status: number;
      let text: string;
      let contentType: string | null;
      try {
        const response = await fetch(`${t.baseUrl}${request.url}`, {
          method: request.method.toUpperCase(),
          headers,
          body,
          redirect: 'manual',
        });
        status = response.status;
        contentType = response.headers.get('content-type');
        text = await response.text();
      } catch (error) {
        report.sent += 1;
        report.serverErrors += 1;
        violate(request, caller, 0, `no answer: ${(error as Error).message}`);
        continue;
      }
      report.sent += 1;
      covered.add(request.operation);
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      if (status >= 500) {
        report.serverErrors += 1;
        violate(request, caller, status, text.slice(0, 300));
      }
      if (status >= 400) {
        report.problemConformance.errors += 1;
        const notProblem = isProblem(request.url, status, contentType, text);
        if (notProblem === null) report.problemConformance.conforming += 1;
        else violate(request, caller, status, notProblem);
      }
      const after = await fingerprint();
      if (status >= 400 && status < 500 && after !== before) {
        report.changedBy4xx += 1;
        violate(request, caller, status, `changed the database: ${diff(before, after)}`);
      }
      if (status < 300 && after !== before) report.changedBy2xx += 1;
      before = after;
      if (status === 401 && caller.renew) {
        const me = await fetch(`${t.baseUrl}/api/v1/me`, { headers: caller.headers() });
        if (me.status === 401) {
          await caller.renew();
          before = await fingerprint();
        }
      }
    }
  } finally {
    await db.end();
  }
  report.operationsCovered = covered.size;
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;
}

function diff(before: string, after: string): string {
  const was = before.split('|');
  const now = after.split('|');
  return now
    .filter((part, index) => part !== was[index])
    .map((part) => part.split(':').slice(0, 2).join(':'))
    .join(', ');
}

export function formatReport(report: FuzzReport): string {
  const conformance =
    report.problemConformance.errors === 0
      ? 100
      : (100 * report.problemConformance.conforming) / report.problemConformance.errors;
  return [
    `requests sent: ${report.sent} over ${report.operationsCovered}/${report.operations} operations in ${report.seconds} s`,
    `5xx answers: ${report.serverErrors}`,
    `problem+json conformance: ${report.problemConformance.conforming}/${report.problemConformance.errors} error answers (${conformance.toFixed(2)} %)`,
    `4xx answers that changed data: ${report.changedBy4xx} (2xx answers that did: ${report.changedBy2xx})`,
    `statuses: ${Object.entries(report.byStatus)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ')}`,
    ...report.violations.map(
      (v) => `VIOLATION ${v.status} as ${v.caller}: ${v.request}\n    -> ${v.problem}`,
    ),
  ].join('\n');
}
