import { STATUS_CODES } from 'node:http';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Users and groups', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const as = (who: SignedIn) => ({
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
    patch: (path: string, body: object) =>
      t.http.patch(path).set('authorization', who.auth).send(body),
    put: (path: string, body: object) => t.http.put(path).set('authorization', who.auth).send(body),
    delete: (path: string) => t.http.delete(path).set('authorization', who.auth),
  });

  describe('GET /api/v1/users', () => {
    let created: SignedIn[];

    beforeAll(async () => {
      created = [];
      for (const name of ['zeta-list', 'alpha-list', 'mike-list']) {
        created.push(await createUser(t, owner, ['user'], { username: name }));
      }
      await as(owner).post(`/api/v1/users/${created[2]?.id}/deactivate`).expect(200);
    });

    it('lists newest first with statistics and lastLogin fields', async () => {
      const response = await as(owner).get('/api/v1/users?q=-list').expect(200);
      expect(response.body.items.map((u: { username: string }) => u.username)).toEqual([
        'mike-list',
        'alpha-list',
        'zeta-list',
      ]);
      expect(response.body.items[1]).toMatchObject({
        stats: { activeSessions: 1, apiKeys: 0, groups: 0, applications: 0 },
        lastLoginAt: expect.any(String),
        lastLoginIp: expect.stringMatching(/127\.0\.0\.1/),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/passwordHash|argon2/);
    });

    it('filters by text, role and status, and sorts by username', async () => {
      const byText = await as(owner).get('/api/v1/users?q=ALPHA').expect(200);
      expect(byText.body.items.map((u: { username: string }) => u.username)).toEqual([
        'alpha-list',
      ]);
      const inactive = await as(owner).get('/api/v1/users?status=inactive&q=-list').expect(200);
      expect(inactive.body.items.map((u: { username: string }) => u.username)).toEqual([
        'mike-list',
      ]);
      const owners = await as(owner).get('/api/v1/users?role=owner').expect(200);
      expect(owners.body.items.map((u: { username: string }) => u.username)).toEqual(['owner']);
      const sorted = await as(owner).get('/api/v1/users?q=-list&sort=username').expect(200);
      expect(sorted.body.items.map((u: { username: string }) => u.username)).toEqual([
        'alpha-list',
        'mike-list',
        'zeta-list',
      ]);
    });

    it('pages with a cursor, without gaps or repeats, in every sort', async () => {
      for (const sort of [
        'createdAt',
        '-createdAt',
        'username',
        '-username',
        'lastLoginAt',
        '-lastLoginAt',
      ]) {
        const all = (
          await as(owner).get(`/api/v1/users?sort=${sort}&limit=200`).expect(200)
        ).body.items.map((u: { id: string }) => u.id);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const response: { body: { items: Array<{ id: string }>; nextCursor: string | null } } =
            await as(owner)
              .get(`/api/v1/users?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
              .expect(200);
          paged.push(...response.body.items.map((u: { id: string }) => u.id));
          cursor = response.body.nextCursor;
        } while (cursor !== null);
        expect([sort, paged]).toEqual([sort, all]);
      }
    });

    it('refuses a forged cursor, an unknown sort and a limit over 200 with 400', async () => {
      expectProblem(await as(owner).get('/api/v1/users?cursor=bm90LWEtY3Vyc29y'), 400, /cursor/);
      expectProblem(await as(owner).get('/api/v1/users?sort=password'), 400);
      expectProblem(await as(owner).get('/api/v1/users?limit=201'), 400);
    });

    it('shows a User only themselves', async () => {
      const plain = created[0];
      const response = await as(plain).get('/api/v1/users?limit=200').expect(200);
      expect(response.body.items.map((u: { id: string }) => u.id)).toEqual([plain.id]);
    });
  });

  describe('editing', () => {
    it('records an email change with old and new values', async () => {
      const user = await createUser(t, owner, ['user']);
      await as(owner)
        .patch(`/api/v1/users/${user.id}`, { email: 'new-address@example.com' })
        .expect(200);
      const { rows } = await db.query(
        "select changes from audit_events where action = 'user.updated' and target_id = $1",
        [user.id],
      );
      expect(rows[0]?.changes).toEqual({
        email: { from: user.email, to: 'new-address@example.com' },
      });
    });

    it('answers duplicates with the exact messages', async () => {
      const a = await createUser(t, owner, ['user']);
      const b = await createUser(t, owner, ['user']);
      expectProblem(
        await as(owner).patch(`/api/v1/users/${b.id}`, { username: a.username.toUpperCase() }),
        409,
        'Username already exists',
      );
      expectProblem(
        await as(owner).patch(`/api/v1/users/${b.id}`, { email: a.email?.toUpperCase() ?? '' }),
        409,
        'Email already exists',
      );
    });

    it('lets a User change only their own display name', async () => {
      const user = await createUser(t, owner, ['user']);
      expect(
        (await as(user).patch(`/api/v1/users/${user.id}`, { displayName: 'Me Myself' })).status,
      ).toBe(200);
      expectProblem(
        await as(user).patch(`/api/v1/users/${user.id}`, { username: 'renamed-me' }),
        403,
      );
      expectProblem(await as(user).patch(`/api/v1/users/${user.id}`, { status: 'inactive' }), 403);
    });
  });

  describe('password reset', () => {
    it('revokes every session by default, and keeps them with revokeSessions: false', async () => {
      const user = await createUser(t, owner, ['user']);
      await as(owner)
        .post(`/api/v1/users/${user.id}/password`, {
          password: 'reset-by-admin-42',
          revokeSessions: false,
        })
        .expect(204);
      await as(user).get('/api/v1/me').expect(200);
      await as(owner)
        .post(`/api/v1/users/${user.id}/password`, { password: 'reset-again-by-admin' })
        .expect(204);
      expectProblem(await as(user).get('/api/v1/me'), 401);
      expect((await login(t, 'default', user.username, 'reset-again-by-admin')).status).toBe(200);
    });
  });

  describe('deactivate, activate and delete', () => {
    it('activate restores sign-in with the data unchanged', async () => {
      const user = await createUser(t, owner, ['developer']);
      const before = (await as(owner).get(`/api/v1/users/${user.id}`)).body;
      await as(owner).post(`/api/v1/users/${user.id}/deactivate`).expect(200);
      expectProblem(await login(t, 'default', user.username, TEST_PASSWORD), 401);
      await as(owner).post(`/api/v1/users/${user.id}/activate`).expect(200);
      expect((await login(t, 'default', user.username, TEST_PASSWORD)).status).toBe(200);
      const after = (await as(owner).get(`/api/v1/users/${user.id}`)).body;
      expect({
        ...after,
        updatedAt: undefined,
        stats: undefined,
        lastLoginAt: undefined,
        lastActivityAt: undefined,
      }).toEqual({
        ...before,
        updatedAt: undefined,
        stats: undefined,
        lastLoginAt: undefined,
        lastActivityAt: undefined,
      });
    });

    it('refuses to delete oneself with the exact message', async () => {
      expectProblem(
        await as(owner).delete(`/api/v1/users/${owner.id}`),
        403,
        'You cannot delete your own account',
      );
    });

    it('deletes a user: their tokens die, their audit events stay', async () => {
      const user = await createUser(t, owner, ['user']);
      await as(owner).delete(`/api/v1/users/${user.id}`).expect(204);
      expectProblem(await as(user).get('/api/v1/me'), 401);
      expectProblem(await as(owner).get(`/api/v1/users/${user.id}`), 404);
      const { rows } = await db.query(
        'select count(*)::int as n from audit_events where actor_id = $1::uuid or target_id = $1::text',
        [user.id],
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
      expect(
        (await db.query('select 1 from sessions where user_id = $1', [user.id])).rowCount,
      ).toBe(0);
    });

    it('checks transferOwnershipTo: another visible, active user of the organization', async () => {
      const user = await createUser(t, owner, ['user']);
      expectProblem(
        await as(owner).delete(`/api/v1/users/${user.id}?transferOwnershipTo=${user.id}`),
        400,
      );
      expectProblem(
        await as(owner).delete(
          `/api/v1/users/${user.id}?transferOwnershipTo=5f0c6f0e-6f51-4f7a-9d39-0c1b8f1f2a3b`,
        ),
        404,
      );
      expectProblem(
        await as(owner).delete(`/api/v1/users/${user.id}?transferOwnershipTo=not-a-uuid`),
        400,
      );
      await as(owner)
        .delete(`/api/v1/users/${user.id}?transferOwnershipTo=${owner.id}`)
        .expect(204);
    });

    it('records activity when tokens are refreshed', async () => {
      const user = await createUser(t, owner, ['user']);
      const before = (await as(owner).get(`/api/v1/users/${user.id}`)).body.lastActivityAt;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      const after = (await as(owner).get(`/api/v1/users/${user.id}`)).body.lastActivityAt;
      expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime());
    });

    it('ends every session of a user with DELETE /users/:id/sessions', async () => {
      const user = await createUser(t, owner, ['user']);
      const sessions = await as(owner).get(`/api/v1/users/${user.id}/sessions`).expect(200);
      expect(sessions.body.items).toHaveLength(1);
      await as(owner).delete(`/api/v1/users/${user.id}/sessions`).expect(204);
      expectProblem(await as(user).get('/api/v1/me'), 401);
    });
  });

  describe('export', () => {
    it('gives one JSON document with profile, roles, groups, sessions, keys, applications and audit events', async () => {
      const user = await createUser(t, owner, ['user']);
      const key = await as(user).post('/api/v1/api-keys', { name: 'laptop' }).expect(201);
      const app = await as(owner)
        .post('/api/v1/applications', { name: 'Exported app' })
        .expect(201);
      await as(owner)
        .put(`/api/v1/applications/${app.body.id}/assignments`, {
          userIds: [user.id],
          groupIds: [],
        })
        .expect(200);
      await as(owner).post('/api/v1/applications', { name: 'Not theirs' }).expect(201);
      const response = await as(owner).get(`/api/v1/users/${user.id}/export`).expect(200);
      expect(response.body).toMatchObject({
        user: { id: user.id, username: user.username },
        roles: ['user'],
        groups: [],
        sessions: [expect.objectContaining({ userId: user.id })],
        apiKeys: [expect.objectContaining({ id: key.body.id, name: 'laptop', userId: user.id })],
        applications: [expect.objectContaining({ id: app.body.id, name: 'Exported app' })],
      });
      expect(response.body.applications).toHaveLength(1);
      expect(JSON.stringify(response.body)).not.toContain(key.body.key);
      expect(response.body.auditEvents.map((event: { action: string }) => event.action)).toEqual(
        expect.arrayContaining(['user.created', 'auth.loginSucceeded']),
      );
      expect(JSON.stringify(response.body)).not.toMatch(/passwordHash|argon2|refresh/i);
    });
  });

  describe('groups', () => {
    it('carry their roles to members at once, and take them away on removal and deletion', async () => {
      const member = await createUser(t, owner, ['user']);
      expectProblem(await as(member).get('/api/v1/roles/matrix'), 403);
      const group = (
        await as(owner)
          .post('/api/v1/groups', {
            name: 'Auditors',
            description: 'Read reports',
            roles: ['governance'],
          })
          .expect(201)
      ).body;
      await as(owner)
        .post(`/api/v1/groups/${group.id}/members`, { userIds: [member.id] })
        .expect(200);
      await as(member).get('/api/v1/roles/matrix').expect(200); // same token, next request
      const shown = await as(owner).get(`/api/v1/groups/${group.id}`).expect(200);
      expect(shown.body).toMatchObject({ name: 'Auditors', roles: ['governance'], memberCount: 1 });
      expect((await as(owner).get(`/api/v1/users/${member.id}`)).body.groups).toEqual([
        { id: group.id, name: 'Auditors' },
      ]);
      await as(owner).delete(`/api/v1/groups/${group.id}/members/${member.id}`).expect(204);
      expectProblem(await as(member).get('/api/v1/roles/matrix'), 403);
      await as(owner)
        .post(`/api/v1/groups/${group.id}/members`, { userIds: [member.id] })
        .expect(200);
      await as(member).get('/api/v1/roles/matrix').expect(200);
      await as(owner).delete(`/api/v1/groups/${group.id}`).expect(204);
      expectProblem(await as(member).get('/api/v1/roles/matrix'), 403);
    });

    it('let members see only their own groups; refuse escalation through a group', async () => {
      const member = await createUser(t, owner, ['user']);
      const mine = (await as(owner).post('/api/v1/groups', { name: 'Mine' }).expect(201)).body;
      await as(owner).post('/api/v1/groups', { name: 'Not mine' }).expect(201);
      await as(owner)
        .post(`/api/v1/groups/${mine.id}/members`, { userIds: [member.id] })
        .expect(200);
      const listed = await as(member).get('/api/v1/groups').expect(200);
      expect(listed.body.items.map((g: { name: string }) => g.name)).toEqual(['Mine']);
      const itAdmin = await createUser(t, owner, ['it_admin']);
      expectProblem(
        await as(itAdmin).post('/api/v1/groups', { name: 'Owners club', roles: ['owner'] }),
        403,
      );
      expectProblem(
        await as(owner).post('/api/v1/groups', { name: 'mine' }),
        409,
        'Group name already exists',
      );
      expectProblem(
        await as(owner).post(`/api/v1/groups/${mine.id}/members`, {
          userIds: ['5f0c6f0e-6f51-4f7a-9d39-0c1b8f1f2a3b'],
        }),
        404,
      );
    });
  });

  describe('POST /api/v1/users with groupIds', () => {
    it('places the new user in the groups, within the creator’s rights', async () => {
      const admins = (
        await as(owner)
          .post('/api/v1/groups', { name: 'Placed', roles: ['governance'] })
          .expect(201)
      ).body;
      const created = await as(owner)
        .post('/api/v1/users', {
          username: 'placed-user',
          email: 'placed@example.com',
          password: TEST_PASSWORD,
          groupIds: [admins.id],
        })
        .expect(201);
      expect(created.body.groups).toEqual([{ id: admins.id, name: 'Placed' }]);
      const members = await as(owner).get(`/api/v1/groups/${admins.id}/members`).expect(200);
      expect(JSON.stringify(members.body)).toContain(created.body.id);
      // A Developer may create users but may not change group members.
      const developer = await createUser(t, owner, ['developer']);
      expectProblem(
        await as(developer).post('/api/v1/users', {
          username: 'sneaky-user',
          email: 'sneaky@example.com',
          password: TEST_PASSWORD,
          groupIds: [admins.id],
        }),
        403,
      );
      expectProblem(
        await as(owner).post('/api/v1/users', {
          username: 'lost-user',
          password: TEST_PASSWORD,
          groupIds: ['5f0c6f0e-6f51-4f7a-9d39-0c1b8f1f2a3b'],
        }),
        404,
      );
      const count = await db.query(
        `select count(*)::int as n from users where username in ('sneaky-user', 'lost-user')`,
      );
      expect(count.rows[0].n).toBe(0);
    });
  });

  describe('POST /api/v1/users/bulk', () => {
    const problemOf = (status: number) => ({
      type: 'about:blank',
      title: STATUS_CODES[status],
      status,
      detail: expect.any(String),
    });

    it('takes any RFC 9562 uuid as an id: the nil uuid and a v7 id are unknown users, not invalid input', async () => {
      const nil = '00000000-0000-0000-0000-000000000000';
      const v7 = '01932c07-2f3a-7c4e-8a4b-3f1e2d3c4b5a';
      const response = await as(owner)
        .post('/api/v1/users/bulk', { action: 'activate', userIds: [nil, v7] })
        .expect(200);
      expect(response.body.results).toEqual([
        { id: nil, ok: false, problem: problemOf(404) },
        { id: v7, ok: false, problem: problemOf(404) },
      ]);
    });

    it('answers per id: done, missing and forbidden, one failure undoing nothing', async () => {
      const a = await createUser(t, owner, ['user']);
      const b = await createUser(t, owner, ['user']);
      const secondOwner = await createUser(t, owner, ['owner']);
      const security = await createUser(t, owner, ['security']);
      const missing = '5f0c6f0e-6f51-4f7a-9d39-0c1b8f1f2a3b';
      const response = await as(security)
        .post('/api/v1/users/bulk', {
          action: 'deactivate',
          userIds: [a.id, missing, secondOwner.id, b.id, security.id],
        })
        .expect(200);
      expect(response.body.results).toEqual([
        { id: a.id, ok: true },
        { id: missing, ok: false, problem: problemOf(404) },
        { id: secondOwner.id, ok: false, problem: problemOf(403) },
        { id: b.id, ok: true },
        {
          id: security.id,
          ok: false,
          problem: { ...problemOf(403), detail: expect.stringMatching(/^You cannot deactivate/) },
        },
      ]);
      expect((await as(owner).get(`/api/v1/users/${a.id}`)).body.status).toBe('inactive');
      expect((await as(owner).get(`/api/v1/users/${secondOwner.id}`)).body.status).toBe('active');
      const { rows } = await db.query(
        "select target_id from audit_events where action = 'user.deactivated' and target_id = any($1)",
        [[a.id, b.id]],
      );
      expect(rows).toHaveLength(2);
    });

    it('adds a role, removes it and adds to a group', async () => {
      const user = await createUser(t, owner, ['user']);
      const group = (await as(owner).post('/api/v1/groups', { name: 'Bulk group' }).expect(201))
        .body;
      expect(
        (
          await as(owner).post('/api/v1/users/bulk', {
            action: 'addRole',
            role: 'developer',
            userIds: [user.id],
          })
        ).body.results[0].ok,
      ).toBe(true);
      expect((await as(owner).get(`/api/v1/users/${user.id}`)).body.roles).toEqual([
        'user',
        'developer',
      ]);
      await as(owner)
        .post('/api/v1/users/bulk', { action: 'removeRole', role: 'developer', userIds: [user.id] })
        .expect(200);
      await as(owner)
        .post('/api/v1/users/bulk', { action: 'addToGroup', groupId: group.id, userIds: [user.id] })
        .expect(200);
      const after = (await as(owner).get(`/api/v1/users/${user.id}`)).body;
      expect(after).toMatchObject({
        roles: ['user'],
        groups: [{ id: group.id, name: 'Bulk group' }],
      });
      expectProblem(
        await as(owner).post('/api/v1/users/bulk', { action: 'addRole', userIds: [user.id] }),
        400,
        /needs "role"/,
      );
    });
  });
});
