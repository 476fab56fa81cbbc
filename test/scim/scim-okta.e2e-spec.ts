import { login, signIn, signInOwner, type SignedIn } from '../support/principals';
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

/**
 * The request sequence of Okta's SCIM 2.0 spec test and of Okta's user and
 * group provisioning (../shared/spec/scim.md), replayed over HTTP.
 */
describe('SCIM 2.0 as Okta provisions', () => {
  let t: TestApp;
  let owner: SignedIn;
  let scim: ScimClient;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    scim = scimClient(t, await issueScimKey(t, owner));
  });
  afterAll(() => t.close());

  const oktaUser = (userName: string) => ({
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Ada Lovelace',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  });

  it('lists with integer paging fields, and an unknown userName is an empty 200', async () => {
    const page = await scim.get('/Users?count=1&startIndex=1');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(page.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect(Number.isInteger(page.body.totalResults)).toBe(true);
    expect(page.body.totalResults).toBeGreaterThanOrEqual(1); // the bootstrap Owner
    const none = await scim.get(
      `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}&startIndex=1&count=100`,
    );
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('creates, finds (any case), reads, refuses a duplicate, replaces, deactivates, reactivates and deletes a user', async () => {
    const created = await scim.post('/Users', oktaUser('ada.lovelace@example.com'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`${t.config.publicUrl}/scim/v2/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: [USER_SCHEMA],
      userName: 'ada.lovelace@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada.lovelace@example.com', type: 'work', primary: true }],
      active: true,
      externalId: '00ujl29u0le5T6Aj10h7',
      locale: 'en-US',
      meta: { resourceType: 'User' },
    });
    expect(created.body.password).toBeUndefined();

    // A SCIM user IS a Warden user: same id, baseline role, and the generated password signs in.
    const warden = await t.http.get(`/api/v1/users/${id}`).set('authorization', owner.auth);
    expect(warden.body).toMatchObject({ username: 'ada.lovelace@example.com', roles: ['user'] });
    const ada = await signIn(t, 'default', 'ada.lovelace@example.com', '1mz050nq');

    const found = await scim.get(
      `/Users?filter=${encodeURIComponent('userName eq "ADA.LOVELACE@EXAMPLE.COM"')}`,
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(id);

    expect((await scim.get(`/Users/${id}`)).body.userName).toBe('ada.lovelace@example.com');
    expectScimError(
      await scim.post('/Users', oktaUser('ada.lovelace@example.com')),
      409,
      'uniqueness',
    );
    expectScimError(await scim.get('/Users/010101010101'), 404);

    // Okta's newer integrations GET, change and PUT the whole object back (with id, meta, groups).
    const current = (await scim.get(`/Users/${id}`)).body;
    const replaced = await scim.put(`/Users/${id}`, {
      ...current,
      name: { givenName: 'Augusta Ada', familyName: 'King' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toEqual({ givenName: 'Augusta Ada', familyName: 'King' });
    expect(replaced.body.emails).toEqual(current.emails);

    const deactivated = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', value: { active: false } }),
    );
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    // Every effect of Warden's deactivation: the session dies at once, sign-in refused.
    expect((await t.http.get('/api/v1/me').set('authorization', ada.auth)).status).toBe(401);
    expect((await login(t, 'default', 'ada.lovelace@example.com', '1mz050nq')).status).toBe(401);
    const stillListed = await scim.get(
      `/Users?filter=${encodeURIComponent('userName eq "ada.lovelace@example.com"')}`,
    );
    expect(stillListed.body.Resources[0].active).toBe(false);

    const reactivated = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: 'replace', value: { active: true } }),
    );
    expect(reactivated.body.active).toBe(true);
    expect((await login(t, 'default', 'ada.lovelace@example.com', '1mz050nq')).status).toBe(200);

    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expectScimError(await scim.get(`/Users/${id}`), 404);
  });

  it('records every change in the audit trail with the API key as the actor', async () => {
    const created = await scim.post('/Users', oktaUser('grace.hopper@example.com'));
    await scim.patch(
      `/Users/${created.body.id}`,
      patchOp({ op: 'replace', value: { active: false } }),
    );
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${created.body.id}&limit=50`)
      .set('authorization', owner.auth);
    expect(events.status).toBe(200);
    const actions = (events.body.items as Array<{ action: string; actor: { type: string } }>).map(
      (event) => [event.action, event.actor.type],
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        ['user.provisioned', 'apiKey'],
        ['user.deactivated', 'apiKey'],
      ]),
    );
  });

  it('pushes a group: create, add, remove by filter, replace the list, rename, delete', async () => {
    const [alan, barbara, claude] = await Promise.all(
      ['alan', 'barbara', 'claude'].map(
        async (name) =>
          (await scim.post('/Users', oktaUser(`${name}@example.com`))).body.id as string,
      ),
    );
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [],
    });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ displayName: 'Engineering', members: [] });
    const path = `/Groups/${group.body.id}`;
    const members = async () =>
      ((await scim.get(path)).body.members as Array<{ value: string }>)
        .map((member) => member.value)
        .sort();

    const added = await scim.patch(
      path,
      patchOp({
        op: 'add',
        path: 'members',
        value: [
          { value: alan, display: 'alan' },
          { value: barbara, display: 'barbara' },
        ],
      }),
    );
    expect(added.status).toBe(204);
    expect(await members()).toEqual([alan, barbara].sort());

    await scim.patch(path, patchOp({ op: 'remove', path: `members[value eq "${alan}"]` }));
    expect(await members()).toEqual([barbara]);

    await scim.patch(
      path,
      patchOp({ op: 'replace', path: 'members', value: [{ value: alan }, { value: claude }] }),
    );
    expect(await members()).toEqual([alan, claude].sort());

    await scim.patch(
      path,
      patchOp({ op: 'replace', value: { id: group.body.id, displayName: 'Engineering (all)' } }),
    );
    expect((await scim.get(path)).body.displayName).toBe('Engineering (all)');

    // The user shows the group it belongs to.
    expect((await scim.get(`/Users/${alan}`)).body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: 'Engineering (all)' }),
    ]);

    expect((await scim.delete(path)).status).toBe(204);
    expectScimError(await scim.get(path), 404);
  });

  it('answers a bad Authorization header with 401 in the SCIM Error schema', async () => {
    const anonymous = scimClient(t, 'not-a-key');
    expectScimError(await anonymous.get('/Users'), 401);
  });
});
