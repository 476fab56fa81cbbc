import { createUser, signIn, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  expectScimError,
  GROUP_SCHEMA,
  issueScimKey,
  patchOp,
  type ScimClient,
  scimClient,
  USER_SCHEMA,
} from './scim-client';

const filter = (expression: string) => `filter=${encodeURIComponent(expression)}`;

describe('SCIM 2.0 errors, authorization, tenancy and paging', () => {
  let t: TestApp;
  let owner: SignedIn;
  let scim: ScimClient;
  let userId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_ORGANIZATION_SIGNUP: 'true' } });
    owner = await signInOwner(t);
    scim = scimClient(t, await issueScimKey(t, owner));
    userId = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'errors@example.com' }))
      .body.id as string;
  });
  afterAll(() => t.close());

  it.each([
    ['an unknown operator', 'userName xx "a"'],
    ['an unsupported attribute', 'title eq "Engineer"'],
    ['a broken grammar', 'userName eq "a" and'],
    ['a boolean compared with a string', 'active eq "maybe"'],
    ['a date that is not one', 'meta.created gt "yesterday"'],
    ['an unknown value-path attribute', 'addresses[type eq "work"].country eq "NZ"'],
  ])(
    'refuses %s in a filter with 400 invalidFilter, never an unfiltered list',
    async (_, expression) => {
      expectScimError(await scim.get(`/Users?${filter(expression)}`), 400, 'invalidFilter');
    },
  );

  it('supports the rest of the grammar: ne, co, sw, ew, pr, gt/ge/lt/le, and, or, not, grouping', async () => {
    const ids = (response: { body: { Resources: Array<{ id: string }> } }) =>
      response.body.Resources.map((user) => user.id);
    for (const [expression, included] of [
      ['userName co "ERRORS@"', true],
      ['userName sw "errors"', true],
      ['userName ew "example.com"', true],
      ['userName ne "errors@example.com"', false],
      ['userName pr and not (externalId pr)', true],
      ['(userName eq "nobody" or userName eq "errors@example.com") and active eq true', true],
      ['meta.created gt "2000-01-01T00:00:00Z" and meta.created le "2999-01-01T00:00:00Z"', true],
      ['meta.created lt "2000-01-01T00:00:00Z"', false],
      ['not (displayName eq "x")', true],
    ] as const) {
      const response = await scim.get(`/Users?${filter(expression)}&count=1000`);
      expect({
        expression,
        status: response.status,
        included: ids(response).includes(userId),
      }).toEqual({ expression, status: 200, included });
    }
  });

  it.each([
    ['an unknown op', patchOp({ op: 'move', path: 'displayName', value: 'x' })],
    ['a path that is no attribute', patchOp({ op: 'replace', path: 'nickName', value: 'x' })],
    ['a prototype path', patchOp({ op: 'replace', path: '__proto__.polluted', value: 'yes' })],
    ['a read-only attribute', patchOp({ op: 'replace', path: 'id', value: 'x' })],
    ['a remove without a path', patchOp({ op: 'remove' })],
    ['an add without a value', patchOp({ op: 'add', path: 'displayName' })],
    ['Operations that are not a list', { schemas: [], Operations: { op: 'add' } }],
    ['a non-boolean active', patchOp({ op: 'replace', path: 'active', value: 'sometimes' })],
    [
      'an email that is not one',
      patchOp({ op: 'replace', path: 'emails', value: [{ value: 'nope' }] }),
    ],
  ])('refuses %s in a PATCH with a 400 SCIM error and changes nothing', async (_, body) => {
    const before = (await scim.get(`/Users/${userId}`)).body;
    const response = await scim.patch(`/Users/${userId}`, body);
    expectScimError(response, 400);
    expect((await scim.get(`/Users/${userId}`)).body).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses malformed and oversized bodies with SCIM 4xx errors', async () => {
    expectScimError(await scim.post('/Users', '{"userName": '), 400, 'invalidSyntax');
    let deep: unknown = 'x';
    for (let i = 0; i < 2000; i += 1) deep = [deep];
    expectScimError(await scim.post('/Users', { userName: 'deep@example.com', deep }), 400);
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA] }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', { userName: 'has spaces' }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', '<User/>', 'application/xml'), 415);
    // application/json is accepted as well as application/scim+json
    const json = await scim.post('/Users', { userName: 'json@example.com' }, 'application/json');
    expect(json.status).toBe(201);
  });

  it('pages with startIndex and count: exactly totalResults, no duplicates, stable order', async () => {
    await Promise.all(
      Array.from({ length: 23 }, (_, n) =>
        scim.post('/Users', { schemas: [USER_SCHEMA], userName: `page${n}@paging.example` }),
      ),
    );
    const expression = filter('userName ew "@paging.example"');
    const seen: string[] = [];
    let total = Number.NaN;
    for (let startIndex = 1; ; startIndex += 5) {
      const page = await scim.get(`/Users?${expression}&startIndex=${startIndex}&count=5`);
      total = page.body.totalResults as number;
      expect(page.body.startIndex).toBe(startIndex);
      seen.push(...(page.body.Resources as Array<{ id: string }>).map((user) => user.id));
      if (startIndex + 5 > total) break;
    }
    expect(total).toBe(23);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toHaveLength(23);
    // out-of-range and odd numbers are read as RFC 7644 says
    const odd = await scim.get(`/Users?${expression}&startIndex=0&count=-4`);
    expect(odd.body).toMatchObject({
      startIndex: 1,
      itemsPerPage: 0,
      totalResults: 23,
      Resources: [],
    });
    expectScimError(await scim.get(`/Users?startIndex=first`), 400, 'invalidValue');
  });

  it('is closed to everything but an organization key with the SCIM grant (401/403 as SCIM errors)', async () => {
    expectScimError(await scimClient(t, '').get('/Users'), 401);
    // The Owner's own token: no role holds SCIM provisioning.
    const asOwner = await t.http.get('/scim/v2/Users').set('authorization', owner.auth);
    expect(asOwner.status).toBe(403);
    expect(asOwner.body ?? JSON.parse(asOwner.text)).toBeDefined();
    expect(asOwner.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    const roleKey = await t.http
      .post('/api/v1/api-keys')
      .set('authorization', owner.auth)
      .send({ name: 'admin key', type: 'system', roles: ['it_admin'] });
    expectScimError(await scimClient(t, roleKey.body.key as string).get('/Users'), 403);
  });

  it('keeps each organization to itself: another organization’s key sees 404 and empty lists', async () => {
    await t.http
      .post('/api/v1/organizations')
      .send({
        slug: 'globex',
        name: 'Globex',
        owner: {
          username: 'globex-owner',
          email: 'o@globex.example',
          password: 'plum-tangerine-gazebo',
        },
      })
      .expect(201);
    const foreignOwner = await signIn(t, 'globex', 'globex-owner', 'plum-tangerine-gazebo');
    const foreign = scimClient(t, await issueScimKey(t, foreignOwner));
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Ours' });

    expectScimError(await foreign.get(`/Users/${userId}`), 404);
    expectScimError(
      await foreign.patch(
        `/Users/${userId}`,
        patchOp({ op: 'replace', path: 'active', value: false }),
      ),
      404,
    );
    expectScimError(await foreign.delete(`/Users/${userId}`), 404);
    expectScimError(await foreign.get(`/Groups/${group.body.id}`), 404);
    expect(
      (await foreign.get(`/Users?${filter('userName eq "errors@example.com"')}`)).body.totalResults,
    ).toBe(0);
    expect((await foreign.get('/Groups')).body.totalResults).toBe(0);
    // and a member from another organization cannot be added
    const theirs = (await foreign.post('/Users', { userName: 'theirs@globex.example' })).body
      .id as string;
    expectScimError(
      await scim.patch(
        `/Groups/${group.body.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: theirs }] }),
      ),
      400,
      'invalidValue',
    );
    expect((await scim.get(`/Users/${userId}`)).body.active).toBe(true);
  });

  it('sees only the groups it created; groups made in Warden stay out of its reach', async () => {
    const made = await t.http
      .post('/api/v1/groups')
      .set('authorization', owner.auth)
      .send({ name: 'Admins', roles: ['it_admin'] });
    expect(made.status).toBe(201);
    expectScimError(await scim.get(`/Groups/${made.body.id}`), 404);
    expect((await scim.get(`/Groups?${filter('displayName eq "Admins"')}`)).body.totalResults).toBe(
      0,
    );
    // The name is taken all the same: a pushed group of that name is a conflict, not a takeover.
    expectScimError(
      await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'admins' }),
      409,
      'uniqueness',
    );
  });

  it('keeps Warden’s rules: the last active Owner cannot be deactivated or deleted over SCIM', async () => {
    expectScimError(
      await scim.patch(
        `/Users/${owner.id}`,
        patchOp({ op: 'replace', path: 'active', value: false }),
      ),
      409,
    );
    expectScimError(await scim.delete(`/Users/${owner.id}`), 409);
    expect((await scim.get(`/Users/${owner.id}`)).body.active).toBe(true);
  });

  it('returns only the attributes asked for, and leaves out the excluded ones', async () => {
    const only = await scim.get(
      `/Users?${filter('userName eq "errors@example.com"')}&attributes=userName,name.givenName`,
    );
    expect(Object.keys(only.body.Resources[0]).sort()).toEqual([
      'id',
      'meta',
      'schemas',
      'userName',
    ]);
    const without = await scim.get(`/Users/${userId}?excludedAttributes=groups,emails`);
    expect(without.body.userName).toBe('errors@example.com');
    expect(without.body.groups).toBeUndefined();
    expect(without.body.emails).toBeUndefined();
  });

  it('refuses to delete a user who owns applications (409, no ownership transfer over SCIM)', async () => {
    const developer = await createUser(t, owner, ['developer']);
    const application = await t.http
      .post('/api/v1/applications')
      .set('authorization', developer.auth)
      .send({ name: 'Owned by a provisioned person' });
    expect(application.status).toBe(201);
    expectScimError(await scim.delete(`/Users/${developer.id}`), 409);
    expect((await scim.get(`/Users/${developer.id}`)).status).toBe(200);
  });

  it('gives a SCIM group’s members the roles an admin gave the group, on their next request', async () => {
    const member = await createUser(t, owner, ['user']);
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Auditors',
      members: [{ value: member.id }],
    });
    expect(
      (await t.http.get('/api/v1/audit-events?limit=1').set('authorization', member.auth)).status,
    ).toBe(403);
    await t.http
      .patch(`/api/v1/groups/${group.body.id}`)
      .set('authorization', owner.auth)
      .send({ roles: ['compliance'] })
      .expect(200);
    expect(
      (await t.http.get('/api/v1/audit-events?limit=1').set('authorization', member.auth)).status,
    ).toBe(200);
    await scim.patch(`/Groups/${group.body.id}`, patchOp({ op: 'remove', path: 'members' }));
    expect(
      (await t.http.get('/api/v1/audit-events?limit=1').set('authorization', member.auth)).status,
    ).toBe(403);
  });
});
