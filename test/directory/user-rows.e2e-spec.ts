import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../../src/directory/users/user.entity';
import {
  toUserDetails,
  toUserFields,
  USER_DETAILS_OF_PAGE,
  USER_WITH_DETAILS,
  type UserFields,
  type UserRow,
} from '../../src/directory/users/user.rows';
import { scoped } from '../../src/infra/database/organization-owned.entity';
import { PreparedReads } from '../../src/infra/database/prepared-statement';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

const FIELDS: ReadonlyArray<keyof UserFields> = [
  'id',
  'organizationId',
  'username',
  'email',
  'displayName',
  'status',
  'roles',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
  'lastLoginIp',
  'lastActivityAt',
  'lockedUntil',
  'failedLoginAttempts',
];

/**
 * GET /users/:id reads a user through a prepared statement with hand-mapped
 * rows; lists, writes and everything else read through the ORM. The two
 * mappings must agree field for field, or a user would look different
 * depending on the route that shows it.
 */
describe('Hand-mapped user rows', () => {
  let t: TestApp;
  let owner: SignedIn;
  let busy: SignedIn;
  let plain: { id: string; username: string };
  let em: EntityManager;
  let reads: PreparedReads;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    em = (t.app.get(MikroORM).em as EntityManager).fork();
    reads = t.app.get(PreparedReads);
    [{ id: organizationId }] = await em
      .getConnection()
      .execute<Array<{ id: string }>>("select id from organizations where slug = 'default'");
    // One user with every field and detail set: groups, a key, sessions, a lock count.
    busy = await createUser(t, owner, ['developer'], { username: 'busy-rows' });
    for (const name of ['Rows B', 'Rows A']) {
      const group = await t.http
        .post('/api/v1/groups')
        .set('authorization', owner.auth)
        .send({ name })
        .expect(201);
      await t.http
        .post(`/api/v1/groups/${group.body.id}/members`)
        .set('authorization', owner.auth)
        .send({ userIds: [busy.id] })
        .expect(200);
    }
    await t.http
      .post('/api/v1/api-keys')
      .set('authorization', busy.auth)
      .send({ name: 'rows key' })
      .expect(201);
    await t.http
      .patch(`/api/v1/users/${busy.id}`)
      .set('authorization', owner.auth)
      .send({ displayName: 'Busy Rows' })
      .expect(200);
    expect((await login(t, 'default', 'busy-rows', 'not-the-password-at-all')).status).toBe(401);
    // One with the nullable fields empty: never signed in, deactivated.
    const created = await t.http
      .post('/api/v1/users')
      .set('authorization', owner.auth)
      .send({ username: 'plain-rows', password: TEST_PASSWORD, roles: ['user'] })
      .expect(201);
    plain = { id: created.body.id, username: 'plain-rows' };
    await t.http
      .post(`/api/v1/users/${plain.id}/deactivate`)
      .set('authorization', owner.auth)
      .expect(200);
  });
  afterAll(() => t.close());

  it.each([
    ['with every field and detail set', () => busy],
    ['with its nullable fields empty', () => plain],
  ])('map a user %s exactly as the ORM does', async (_case, who) => {
    const id = who().id;
    const entity = await em.fork().findOneOrFail(User, { id }, scoped(organizationId));
    const [row] = await reads.query<UserRow>(USER_WITH_DETAILS, [organizationId, id]);
    expect(row).toBeDefined();
    const mapped = toUserFields(row);
    expect(Object.keys(mapped).sort()).toEqual([...FIELDS].sort());
    for (const field of FIELDS)
      expect({ [field]: mapped[field] }).toEqual({ [field]: entity[field] });
  });

  it('show the same user object on GET /users/:id as in the list', async () => {
    for (const user of [busy, plain]) {
      const single = await t.http
        .get(`/api/v1/users/${user.id}`)
        .set('authorization', owner.auth)
        .expect(200);
      const listed = await t.http
        .get(`/api/v1/users?q=${user.username}`)
        .set('authorization', owner.auth)
        .expect(200);
      expect(listed.body.items).toHaveLength(1);
      expect(single.body).toEqual(listed.body.items[0]);
    }
  });

  it('carry the details: groups by name, counts and factors', async () => {
    const [row] = await reads.query<UserRow>(USER_WITH_DETAILS, [organizationId, busy.id]);
    expect(toUserDetails(row)).toEqual({
      groups: [
        { id: expect.any(String), name: 'Rows A' },
        { id: expect.any(String), name: 'Rows B' },
      ],
      stats: { activeSessions: 1, apiKeys: 1, groups: 2, applications: 0 },
      mfaFactors: [],
    });
  });

  it('find nothing in another organization, and 404 for a user the caller may not read', async () => {
    const elsewhere = await reads.query<UserRow>(USER_WITH_DETAILS, [
      '00000000-0000-4000-8000-000000000000',
      busy.id,
    ]);
    expect(elsewhere).toEqual([]);
    await t.http.get(`/api/v1/users/${busy.id}`).set('authorization', busy.auth).expect(200);
    const other = await createUser(t, owner, ['user'], { username: 'nosy-rows' });
    await t.http.get(`/api/v1/users/${busy.id}`).set('authorization', other.auth).expect(404);
  });

  it("read each group's name once per membership, not once per use of the name", async () => {
    const text = USER_WITH_DETAILS.text
      .replace('$1', `'${organizationId}'`)
      .replace('$2', `'${busy.id}'`);
    const [{ 'QUERY PLAN': plan }] = await em
      .getConnection()
      .execute<Array<{ 'QUERY PLAN': unknown }>>(`explain (format json) ${text}`);
    const scansOfGroups = (node: Record<string, unknown>): number =>
      (node['Relation Name'] === 'groups' ? 1 : 0) +
      ((node.Plans as Array<Record<string, unknown>> | undefined) ?? []).reduce(
        (sum, child) => sum + scansOfGroups(child),
        0,
      );
    // The name is used three times (filter, object, order); pulled up into the
    // query around it, its lookup would be planned (and run) three times.
    expect(scansOfGroups((plan as Array<{ Plan: Record<string, unknown> }>)[0].Plan)).toBe(1);
  });

  it('are planned once per connection: generic plans only, even for short arrays', async () => {
    // PostgreSQL's default re-plans `= any($n::uuid[])` on every execution while
    // the plan for the values at hand looks cheaper (always, for one element).
    for (let i = 0; i < 8; i++)
      await reads.query(USER_DETAILS_OF_PAGE, [organizationId, [busy.id]]);
    // Sequential reads on an otherwise idle pool reuse its last connection, and
    // pg_prepared_statements shows that connection's own statements.
    const [plans] = await reads.query<{ generic_plans: string; custom_plans: string }>(
      {
        name: 'warden_test_prepared_plans',
        text: 'select generic_plans, custom_plans from pg_prepared_statements where name = $1',
      },
      [USER_DETAILS_OF_PAGE.name],
    );
    expect(plans).toBeDefined();
    expect(Number(plans.custom_plans)).toBe(0);
    expect(Number(plans.generic_plans)).toBeGreaterThanOrEqual(8);
  });

  it('list pages as prepared statements, one per shape; a search is planned for its pattern', async () => {
    const page = (query: string) =>
      t.http.get(`/api/v1/users?${query}`).set('authorization', owner.auth).expect(200);
    for (let i = 0; i < 6; i++) {
      await page('status=active&sort=username&limit=2');
      await page('q=rows&limit=2');
    }
    // Sequential reads on an otherwise idle pool reuse its last connection.
    const statements = await reads.query<{ statement: string; generic_plans: string }>(
      {
        name: 'warden_test_page_statements',
        text: `select statement, generic_plans from pg_prepared_statements
                where name like 'warden_users_page_%'`,
      },
      [],
    );
    expect(statements).toHaveLength(1);
    expect(statements[0].statement).toMatch(/"status" = \$\d/);
    expect(statements[0].statement).not.toContain(' like ');
    expect(Number(statements[0].generic_plans)).toBeGreaterThanOrEqual(6);
    // The same page as the ORM reads it, row for row.
    const listed = (await page('status=active&sort=username&limit=50')).body.items as Array<{
      id: string;
    }>;
    const entities = await em
      .fork()
      .find(
        User,
        { status: 'active' },
        scoped(organizationId, { orderBy: { username: 'asc' }, limit: 50 } as const),
      );
    expect(listed.map((user) => user.id)).toEqual(entities.map((user) => user.id));
  });

  it('prepare a bounded number of shapes, then leave new ones to the caller', async () => {
    const shape = (i: number) =>
      reads.queryShape<{ n: number }>('warden_test_shape', `select ${i} as n`, []);
    let prepared = 0;
    for (let i = 0; ; i++) {
      const rows = await shape(i);
      if (rows === undefined) break;
      expect(rows).toEqual([{ n: i }]);
      prepared += 1;
    }
    expect(prepared).toBeGreaterThan(900); // the list's own shapes took a few
    expect(prepared).toBeLessThanOrEqual(1_000);
    expect(await shape(0)).toEqual([{ n: 0 }]); // a known shape still runs
  });

  it('never JIT-compile: a generic plan costed past jit_above_cost would compile on every call', async () => {
    const [setting] = await reads.query<{ jit: string }>(
      { name: 'warden_test_jit', text: "select current_setting('jit') as jit" },
      [],
    );
    expect(setting?.jit).toBe('off');
  });
});
