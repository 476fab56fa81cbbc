import { randomUUID } from 'node:crypto';
import { signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  ENTERPRISE,
  expectScimError,
  GROUP_SCHEMA,
  issueScimKey,
  patchOp,
  type ScimClient,
  scimClient,
  USER_SCHEMA,
} from './scim-client';

const filter = (expression: string) => `filter=${encodeURIComponent(expression)}`;

/**
 * The requests Microsoft Entra ID's provisioning service sends (its reference
 * Postman collection and documented behaviours, ../shared/spec/scim.md),
 * replayed over HTTP: capitalised ops, string booleans, URN-qualified and
 * dotted keys, filtered paths that must create the missing entry, and member
 * removal by a value list.
 */
describe('SCIM 2.0 as Microsoft Entra ID provisions', () => {
  let t: TestApp;
  let owner: SignedIn;
  let scim: ScimClient;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    scim = scimClient(t, await issueScimKey(t, owner));
  });
  afterAll(() => t.close());

  const entraUser = (userName: string, extra: Record<string, unknown> = {}) => ({
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: randomUUID(),
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
    roles: [],
    title: null,
    [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
    ...extra,
  });

  it('passes Test Connection: a filter on a random value is an empty list, quoted or not', async () => {
    const quoted = await scim.get(`/Users?${filter(`userName eq "${randomUUID()}"`)}`);
    expect(quoted.body).toMatchObject({ totalResults: 0, Resources: [] });
    const unquoted = await scim.get(`/Users?${filter(`externalId eq ${randomUUID()}`)}`);
    expect(unquoted.status).toBe(200);
    expect(unquoted.body.totalResults).toBe(0);
  });

  it('reads the discovery documents: Schemas and ResourceTypes as ListResponses without nulls', async () => {
    const schemas = await scim.get('/Schemas');
    expect(schemas.body).toMatchObject({ totalResults: 3 });
    expect((schemas.body.Resources as Array<{ id: string }>).map((schema) => schema.id)).toEqual([
      USER_SCHEMA,
      ENTERPRISE,
      GROUP_SCHEMA,
    ]);
    expect(JSON.stringify(schemas.body)).not.toContain('null');
    const types = await scim.get('/ResourceTypes');
    expect(types.body.Resources).toEqual([
      expect.objectContaining({ id: 'User', endpoint: '/Users', schema: USER_SCHEMA }),
      expect.objectContaining({ id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA }),
    ]);
    const config = await scim.get('/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true } });
  });

  it('creates with the enterprise extension and "True", matches on userName, externalId and the work email', async () => {
    const body = entraUser('Test_User_1@contoso.com', { active: 'True' });
    const created = await scim.post('/Users', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      schemas: [USER_SCHEMA, ENTERPRISE],
      active: true,
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
    });
    for (const expression of [
      'userName eq "test_user_1@contoso.com"',
      `externalId eq "${body.externalId}"`,
      'emails[type eq "work"].value eq "Test_User_1@contoso.com"',
      `${ENTERPRISE}:department eq "tour operations"`,
    ]) {
      const found = await scim.get(`/Users?${filter(expression)}`);
      expect({
        expression,
        ids: (found.body.Resources as Array<{ id: string }>).map((user) => user.id),
      }).toEqual({
        expression,
        ids: [created.body.id],
      });
    }
  });

  it('applies capitalised ops, filtered paths (creating the entry), URN paths and a bare manager id', async () => {
    const manager = (await scim.post('/Users', entraUser('manager@contoso.com'))).body.id as string;
    const created = await scim.post('/Users', entraUser('Test_User_2@contoso.com', { emails: [] }));
    const id = created.body.id as string;
    const patched = await scim.patch(
      `/Users/${id}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'Updated Name' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'updated@contoso.com' },
        { op: 'Replace', path: 'name.familyName', value: 'Updated' },
        { op: 'Add', path: `${ENTERPRISE}:Department`, value: 'Finance' },
        { op: 'Replace', path: `${ENTERPRISE}:manager`, value: manager },
      ),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      displayName: 'Updated Name',
      emails: [{ value: 'updated@contoso.com', type: 'work', primary: true }],
      name: { familyName: 'Updated', givenName: 'Test' },
      [ENTERPRISE]: { department: 'Finance', manager: { value: manager } },
    });
    const removed = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'Remove', path: `${ENTERPRISE}:manager[value eq "${manager}"]` }),
    );
    expect(removed.body[ENTERPRISE].manager).toBeUndefined();
  });

  it('puts a pathless replace with dotted and URN keys on the right attributes', async () => {
    const id = (await scim.post('/Users', entraUser('Test_User_3@contoso.com'))).body.id as string;
    const patched = await scim.patch(
      `/Users/${id}`,
      patchOp({
        op: 'replace',
        value: {
          displayName: 'Dotted',
          'name.givenName': 'Given',
          [`${ENTERPRISE}:employeeNumber`]: '42',
          active: 'False',
        },
      }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      displayName: 'Dotted',
      name: { givenName: 'Given' },
      active: false,
      [ENTERPRISE]: { employeeNumber: '42' },
    });
    expect(Object.keys(patched.body)).not.toContain('name.givenName');
  });

  it('disables with "False", still returns the user by filter, re-enables, and treats empty Operations as no change', async () => {
    const id = (await scim.post('/Users', entraUser('Test_User_4@contoso.com'))).body.id as string;
    await scim.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    const found = await scim.get(`/Users?${filter('userName eq "Test_User_4@contoso.com"')}`);
    expect(found.body.Resources[0]).toMatchObject({ id, active: false });
    const before = (await scim.get(`/Users/${id}`)).body;
    const empty = await scim.patch(`/Users/${id}`, {
      schemas: [patchOp().schemas[0]],
      Operations: [],
    });
    expect(empty.status).toBe(200);
    expect(empty.body.meta.lastModified).toBe(before.meta.lastModified);
    const enabled = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'active', value: true }),
    );
    expect(enabled.body.active).toBe(true);
  });

  it('a PUT of the unchanged object changes nothing and records nothing', async () => {
    const created = (await scim.post('/Users', entraUser('Test_User_5@contoso.com'))).body;
    const count = async () =>
      (
        await t.http
          .get(`/api/v1/audit-events?targetId=${created.id}&limit=50`)
          .set('authorization', owner.auth)
      ).body.items.length as number;
    const before = await count();
    const put = await scim.put(`/Users/${created.id}`, created);
    expect(put.status).toBe(200);
    expect(put.body.meta.lastModified).toBe(created.meta.lastModified);
    expect(await count()).toBe(before);
  });

  it('manages group members: reads without members, removes exactly the listed members, deletes', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(
        async (n) =>
          (await scim.post('/Users', entraUser(`member${n}@contoso.com`))).body.id as string,
      ),
    );
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      externalId: randomUUID(),
      displayName: 'Group1DisplayName',
      members: [],
    });
    expect(group.status).toBe(201);
    const path = `/Groups/${group.body.id}`;
    const added = await scim.patch(
      path,
      patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }),
    );
    expect(added.status).toBe(204);

    const listed = await scim.get(
      `/Groups?${filter('displayName eq "group1displayname"')}&excludedAttributes=members`,
    );
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].members).toBeUndefined();
    expect((await scim.get(`${path}?excludedAttributes=members`)).body.members).toBeUndefined();

    // The most reported SCIM bug: this must remove ids[0] only, not empty the group.
    await scim.patch(path, patchOp({ op: 'Remove', path: 'members', value: [{ value: ids[0] }] }));
    const members = ((await scim.get(path)).body.members as Array<{ value: string }>).map(
      (member) => member.value,
    );
    expect(members.sort()).toEqual([ids[1], ids[2]].sort());

    const byMember = await scim.get(`/Groups?${filter(`members[value eq "${ids[1]}"]`)}`);
    expect(byMember.body.totalResults).toBe(1);

    expect((await scim.delete(path)).status).toBe(204);
    expectScimError(await scim.get(path), 404);
  });

  it('deletes a user: 204, then 404', async () => {
    const id = (await scim.post('/Users', entraUser('Test_User_6@contoso.com'))).body.id as string;
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expectScimError(await scim.get(`/Users/${id}`), 404);
    expectScimError(await scim.delete(`/Users/${id}`), 404);
  });
});
