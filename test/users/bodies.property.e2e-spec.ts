import fc from 'fast-check';
import { Client } from 'pg';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Property tests: whatever body arrives on a create or update route, a
 * malformed, random or over-complete one gets a 4xx problem document and
 * changes nothing (no row, no audit event).
 */
describe('Create and update routes under random bodies', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;
  let userId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    userId = (await createUser(t, owner, ['user'])).id;
    groupId = (
      await t.http
        .post('/api/v1/groups')
        .set('authorization', owner.auth)
        .send({ name: 'Property group' })
        .expect(201)
    ).body.id;
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const snapshot = async () =>
    (
      await db.query(`select (select count(*) from users) as users, (select count(*) from groups) as groups,
        (select count(*) from group_members) as members, (select count(*) from audit_events) as events,
        (select md5(string_agg(u::text, ',' order by id)) from users u) as user_rows,
        (select md5(string_agg(g::text, ',' order by id)) from groups g) as group_rows`)
    ).rows[0];

  const routes = [
    {
      method: 'post' as const,
      path: () => '/api/v1/users',
      fields: ['username', 'email', 'displayName', 'password', 'roles', 'groupIds', 'status'],
    },
    {
      method: 'patch' as const,
      path: () => `/api/v1/users/${userId}`,
      fields: ['username', 'email', 'displayName', 'status'],
    },
    {
      method: 'post' as const,
      path: () => '/api/v1/groups',
      fields: ['name', 'description', 'roles'],
    },
    {
      method: 'patch' as const,
      path: () => `/api/v1/groups/${groupId}`,
      fields: ['name', 'description', 'roles'],
    },
  ];

  /** A body the route could accept (only known fields of an object); those are not what these properties are about. */
  const couldBeValid = (value: unknown, fields: string[]) =>
    value === null ||
    (typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).every((key) => fields.includes(key)));

  const send = (route: (typeof routes)[number], raw: string) =>
    t.http[route.method](route.path())
      .set('authorization', owner.auth)
      .set('content-type', 'application/json')
      .send(raw);

  const expectRefused = (response: {
    status: number;
    headers: Record<string, string>;
    body: { status?: number };
  }) => {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.status).toBe(response.status);
  };

  it.each(
    routes.map((route) => [
      `${route.method.toUpperCase()} ${route.path().replace(/[0-9a-f-]{36}/, ':id')}`,
      route,
    ]),
  )('%s refuses random JSON values', async (_name, route) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }).filter((value) => !couldBeValid(value, route.fields)),
        async (value) => expectRefused(await send(route, JSON.stringify(value))),
      ),
      { numRuns: 60 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it.each(
    routes.map((route) => [
      `${route.method.toUpperCase()} ${route.path().replace(/[0-9a-f-]{36}/, ':id')}`,
      route,
    ]),
  )('%s refuses a plausible body with an extra field (mass assignment)', async (_name, route) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter((key) => !route.fields.includes(key) && key !== '__proto__'),
        fc.jsonValue({ maxDepth: 2 }),
        async (extra, value) => {
          const body = {
            name: 'Plausible',
            username: 'plausible-user',
            password: 'plum-tangerine-gazebo',
            [extra]: value,
          };
          expectRefused(await send(route, JSON.stringify(body)));
        },
      ),
      { numRuns: 40 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it.each(
    routes.map((route) => [
      `${route.method.toUpperCase()} ${route.path().replace(/[0-9a-f-]{36}/, ':id')}`,
      route,
    ]),
  )('%s refuses malformed JSON text', async (_name, route) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 60 }).filter((text) => {
          try {
            return !couldBeValid(JSON.parse(text), route.fields);
          } catch {
            return true;
          }
        }),
        async (text) => expectRefused(await send(route, text)),
      ),
      { numRuns: 60 },
    );
    expect(await snapshot()).toEqual(before);
  });
});
