import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import { createUser, signIn, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

describe('API keys', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_ORGANIZATION_SIGNUP: 'true' } });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const createKey = async (who: SignedIn, body: object = { name: 'ci' }) => {
    const response = await t.http
      .post('/api/v1/api-keys')
      .set('authorization', who.auth)
      .send(body);
    return response;
  };

  it('shows the secret once, stores only its SHA-256, and never lists, logs or audits it', async () => {
    const created = await createKey(owner, { name: 'deploy bot' });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret: string = created.body.key;
    expect(secret).toMatch(/^wdn_[0-9a-f]{12}_[\w-]{43}$/);
    expect(created.body).toMatchObject({
      name: 'deploy bot',
      type: 'personal',
      prefix: secret.slice(0, 16),
      userId: owner.id,
      roles: null,
    });
    const listed = await t.http
      .get('/api/v1/api-keys')
      .set('authorization', owner.auth)
      .expect(200);
    expect(listed.body.items.map((key: { id: string }) => key.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(16));
    const stored = await db.query('select * from api_keys where id = $1', [created.body.id]);
    expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(16));
    const events = await db.query('select * from audit_events');
    expect(JSON.stringify(events.rows)).not.toContain(secret.slice(16));
    await t.http.get('/api/v1/me').set('x-api-key', secret).expect(200);
    expect((await t.settledLogs()).join('\n')).not.toContain(secret.slice(16));
  });

  it('works as Authorization: Bearer and as X-API-Key, acting as its owner', async () => {
    const { key } = (await createKey(owner)).body;
    const bearer = await t.http.get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(200);
    expect(bearer.body.user.username).toBe('owner');
    await t.http.get('/api/v1/organization').set('x-api-key', key).expect(200);
  });

  it('refuses a key in the query string', async () => {
    const { key } = (await createKey(owner)).body;
    expectProblem(await t.http.get(`/api/v1/me?api_key=${key}`), 400, /not accepted in the URL/);
    expectProblem(await t.http.get(`/api/v1/users?q=${key}`).set('x-api-key', key), 400);
  });

  it('narrowed to User, cannot do what its owner can', async () => {
    const { key } = (await createKey(owner, { name: 'narrow', roles: ['user'] })).body;
    expectProblem(await t.http.get('/api/v1/roles/matrix').set('x-api-key', key), 403);
    expectProblem(
      await t.http.patch('/api/v1/organization').set('x-api-key', key).send({ name: 'Nope' }),
      403,
    );
    await t.http.get('/api/v1/me').set('x-api-key', key).expect(200);
    await t.http.get('/api/v1/roles/matrix').set('authorization', owner.auth).expect(200);
  });

  it('narrowed to User, cannot read audit events; unnarrowed, it can', async () => {
    const narrow = (await createKey(owner, { name: 'narrow audit', roles: ['user'] })).body.key;
    const full = (await createKey(owner, { name: 'full audit' })).body.key;
    expectProblem(await t.http.get('/api/v1/audit-events').set('x-api-key', narrow), 403);
    await t.http.get('/api/v1/audit-events').set('x-api-key', full).expect(200);
  });

  it('refuses (403) a key asking for more than its owner', async () => {
    const developer = await createUser(t, owner, ['developer']);
    expectProblem(await createKey(developer, { name: 'greedy', roles: ['owner'] }), 403);
    expectProblem(await createKey(developer, { name: 'greedy', roles: ['it_admin'] }), 403);
    expect((await createKey(developer, { name: 'modest', roles: ['user'] })).status).toBe(201);
  });

  it('gives 401 on the next request once revoked, expired or its owner is deactivated', async () => {
    const user = await createUser(t, owner, ['developer']);
    const revoked = (await createKey(user)).body;
    await t.http.get('/api/v1/me').set('x-api-key', revoked.key).expect(200);
    await t.http
      .delete(`/api/v1/api-keys/${revoked.id}`)
      .set('authorization', user.auth)
      .expect(204);
    expectProblem(await t.http.get('/api/v1/me').set('x-api-key', revoked.key), 401);

    const expiring = (
      await createKey(user, { name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() })
    ).body;
    await t.http.get('/api/v1/me').set('x-api-key', expiring.key).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expectProblem(await t.http.get('/api/v1/me').set('x-api-key', expiring.key), 401);

    const owned = (await createKey(user)).body;
    await t.http.get('/api/v1/me').set('x-api-key', owned.key).expect(200);
    await t.http
      .post(`/api/v1/users/${user.id}/deactivate`)
      .set('authorization', owner.auth)
      .expect(200);
    expectProblem(await t.http.get('/api/v1/me').set('x-api-key', owned.key), 401);

    const refused = await db.query(
      "select reason from audit_events where action = 'apiKey.refused' order by seq",
    );
    expect(refused.rows.map((row: { reason: string }) => row.reason)).toEqual([
      'revoked',
      'expired',
      'owner inactive',
    ]);
  });

  it('stops working once its owner is deleted', async () => {
    const user = await createUser(t, owner, ['user']);
    const { key } = (await createKey(user)).body;
    await t.http.get('/api/v1/me').set('x-api-key', key).expect(200);
    await t.http.delete(`/api/v1/users/${user.id}`).set('authorization', owner.auth).expect(204);
    expectProblem(await t.http.get('/api/v1/me').set('x-api-key', key), 401);
  });

  it('refuses an unknown key and a past expiry', async () => {
    expectProblem(
      await t.http.get('/api/v1/me').set('x-api-key', 'wdn_000000000000_not-a-real-key'),
      401,
    );
    expectProblem(
      await createKey(owner, { name: 'late', expiresAt: '2001-01-01T00:00:00.000Z' }),
      422,
    );
  });

  it('gets 404 for another organization’s objects', async () => {
    await t.http
      .post('/api/v1/organizations')
      .send({
        slug: 'other',
        name: 'Other',
        owner: {
          username: 'other-owner',
          email: 'o@other.example',
          password: 'plum-tangerine-gazebo',
        },
      })
      .expect(201);
    const foreignOwner = await signIn(t, 'other', 'other-owner', 'plum-tangerine-gazebo');
    const { key } = (await createKey(foreignOwner)).body;
    expectProblem(await t.http.get(`/api/v1/users/${owner.id}`).set('x-api-key', key), 404);
    const ownKey = (await createKey(owner)).body;
    expectProblem(await t.http.delete(`/api/v1/api-keys/${ownKey.id}`).set('x-api-key', key), 404);
  });

  it('records last use without a write per request, and counts keys in user statistics', async () => {
    const user = await createUser(t, owner, ['user']);
    const { key, id } = (await createKey(user)).body;
    for (let i = 0; i < 5; i++) await t.http.get('/api/v1/me').set('x-api-key', key).expect(200);
    const { rows } = await db.query(
      'select last_used_at, last_used_ip from api_keys where id = $1',
      [id],
    );
    expect(rows[0].last_used_at).not.toBeNull();
    expect(rows[0].last_used_ip).toMatch(/127\.0\.0\.1/);
    const shown = await t.http
      .get(`/api/v1/users/${user.id}`)
      .set('authorization', owner.auth)
      .expect(200);
    expect(shown.body.stats.apiKeys).toBe(1);
  });

  it('lets a User see and revoke only their own keys', async () => {
    const user = await createUser(t, owner, ['user']);
    const mine = (await createKey(user)).body;
    const ownersKey = (await createKey(owner)).body;
    const listed = await t.http.get('/api/v1/api-keys').set('authorization', user.auth).expect(200);
    expect(listed.body.items.map((key: { id: string }) => key.id)).toEqual([mine.id]);
    expectProblem(
      await t.http.delete(`/api/v1/api-keys/${ownersKey.id}`).set('authorization', user.auth),
      404,
    );
    const audited = await db.query(
      "select actor_type from audit_events where action = 'apiKey.created' and target_id = $1",
      [mine.id],
    );
    expect(audited.rows).toEqual([{ actor_type: 'user' }]);
  });

  describe('organization (system) keys', () => {
    it('are created by Owners only, act with their own roles, and have no user', async () => {
      const itAdmin = await createUser(t, owner, ['it_admin']);
      expectProblem(
        await createKey(itAdmin, { name: 'org key', type: 'system', roles: ['security'] }),
        403,
      );
      const created = await createKey(owner, { name: 'Okta', type: 'system', roles: ['security'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        type: 'system',
        userId: null,
        roles: ['security'],
        scim: false,
      });
      const key: string = created.body.key;
      await t.http.get('/api/v1/roles/matrix').set('x-api-key', key).expect(200);
      expectProblem(
        await t.http.patch('/api/v1/organization').set('x-api-key', key).send({ name: 'Nope' }),
        403,
      );
      expectProblem(
        await t.http.get('/api/v1/me').set('x-api-key', key),
        403,
        /no user of its own/,
      );
      const { rows } = await db.query(
        "select actor_type, actor_username from audit_events where action = 'authz.denied' and actor_id = $1",
        [created.body.id],
      );
      expect(rows).toEqual([{ actor_type: 'apiKey', actor_username: 'Okta' }]);
    });

    it('may hold SCIM provisioning, which no personal key and no role can', async () => {
      const scim = await createKey(owner, { name: 'SCIM', type: 'system', scim: true });
      expect(scim.status).toBe(201);
      expect(scim.body.scim).toBe(true);
      await t.http.get('/api/v1/organization').set('x-api-key', scim.body.key).expect(200);
      expectProblem(
        await createKey(owner, { name: 'personal scim', scim: true }),
        400,
        /Only organization/,
      );
      expectProblem(await createKey(owner, { name: 'empty', type: 'system' }), 400);
      const role = await t.http
        .post('/api/v1/roles')
        .set('authorization', owner.auth)
        .send({
          key: 'provisioner',
          name: 'Provisioner',
          permissions: [{ action: 'manage', subject: 'Scim' }],
        });
      expectProblem(role, 400, /never by a role/);
    });
  });
});
