import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import { createUser, principalsForEveryRole, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Rules on top of the matrix', () => {
  let t: TestApp;
  let p: Awaited<ReturnType<typeof principalsForEveryRole>>;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp();
    p = await principalsForEveryRole(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const setRoles = (caller: SignedIn, target: string, roles: string[]) =>
    t.http.put(`/api/v1/users/${target}/roles`).set('authorization', caller.auth).send({ roles });

  describe('no privilege escalation (rule 1)', () => {
    it.each([
      ['security', 'owner'],
      ['security', 'it_admin'],
      ['security', 'developer'],
      ['it_admin', 'owner'],
      ['governance', 'security'],
      ['developer', 'it_admin'],
      // Governance runs access reviews; a Developer does not.
      ['developer', 'governance'],
    ] as const)('%s cannot grant %s', async (caller, role) => {
      const target = await createUser(t, p.owner, ['user']);
      const response = await setRoles(p[caller], target.id, [role]);
      expectProblem(response, 403, /cannot grant/);
      expect(
        (await t.http.get(`/api/v1/users/${target.id}`).set('authorization', p.owner.auth)).body
          .roles,
      ).toEqual(['user']);
    });

    it.each([
      ['owner', 'owner'],
      ['it_admin', 'it_admin'],
      ['it_admin', 'security'],
      ['security', 'compliance'],
      ['security', 'governance'],
    ] as const)('%s can grant %s', async (caller, role) => {
      const target = await createUser(t, p.owner, ['user']);
      const response = await setRoles(p[caller], target.id, [role]);
      expect(response.status).toBe(200);
      expect(response.body.roles).toEqual([role]);
    });

    it('GET /roles marks exactly the roles the caller can grant', async () => {
      const grantable = async (caller: SignedIn) => {
        const response = await t.http.get('/api/v1/roles').set('authorization', caller.auth);
        expect(response.status).toBe(200);
        const roles = response.body as Array<{ key: string; grantable: boolean }>;
        return roles.filter((role) => role.grantable).map((role) => role.key);
      };
      expect((await grantable(p.it_admin)).sort()).toEqual(
        ['compliance', 'developer', 'governance', 'it_admin', 'security', 'user'].sort(),
      );
      expect(await grantable(p.owner)).toContain('owner');
      expect(await grantable(p.security)).not.toContain('it_admin');
      expect(await grantable(p.security)).toContain('governance');
      // The flag and the refusal come from one rule: what is not offered is refused.
      const target = await createUser(t, p.owner, ['user']);
      const offered = await grantable(p.developer);
      expect(offered).not.toContain('governance');
      expectProblem(await setRoles(p.developer, target.id, ['governance']), 403);
    });

    it('refuses creating a user with a role above the caller', async () => {
      const response = await t.http
        .post('/api/v1/users')
        .set('authorization', p.security.auth)
        .send({
          username: 'sneaky-admin',
          email: 'sneaky@example.com',
          password: 'plum-tangerine-gazebo',
          roles: ['it_admin'],
        });
      expectProblem(response, 403);
      expect((await db.query("select 1 from users where username = 'sneaky-admin'")).rowCount).toBe(
        0,
      );
    });

    it('refuses a custom role holding more than its author', async () => {
      const response = await t.http
        .post('/api/v1/roles')
        .set('authorization', p.it_admin.auth)
        .send({
          key: 'superpowers',
          name: 'Superpowers',
          permissions: [{ action: 'update', subject: 'Organization' }],
        });
      expectProblem(response, 403);
    });

    it('records each refusal in the audit trail', async () => {
      const { rows } = await db.query(
        "select actor_username, reason from audit_events where action = 'authz.denied' and reason like 'grant role%'",
      );
      expect(rows.length).toBeGreaterThan(0);
    });
  });

  describe('never act on a user above you (rule 4)', () => {
    it('an IT Admin cannot deactivate or re-role an Owner; an Owner can change another Owner', async () => {
      const secondOwner = await createUser(t, p.owner, ['owner']);
      expectProblem(
        await t.http
          .post(`/api/v1/users/${secondOwner.id}/deactivate`)
          .set('authorization', p.it_admin.auth),
        403,
      );
      expectProblem(await setRoles(p.it_admin, secondOwner.id, ['user']), 403);
      expect((await setRoles(p.owner, secondOwner.id, ['owner', 'security'])).status).toBe(200);
    });
  });

  describe('nobody deactivates themselves (rule 3)', () => {
    it('answers 403 with a clear message', async () => {
      expectProblem(
        await t.http
          .post(`/api/v1/users/${p.it_admin.id}/deactivate`)
          .set('authorization', p.it_admin.auth),
        403,
        'You cannot deactivate or activate your own account.',
      );
    });
  });

  describe('email rule', () => {
    it('requires an email for every role but User', async () => {
      const noEmail = await t.http
        .post('/api/v1/users')
        .set('authorization', p.owner.auth)
        .send({ username: 'no-mail-dev', password: 'plum-tangerine-gazebo', roles: ['developer'] });
      expectProblem(noEmail, 422, /email address is required/);
      const plain = await t.http
        .post('/api/v1/users')
        .set('authorization', p.owner.auth)
        .send({ username: 'no-mail-user', password: 'plum-tangerine-gazebo' });
      expect(plain.status).toBe(201);
      expect(plain.body).toMatchObject({ email: null, roles: ['user'] });
    });
  });

  describe('custom roles', () => {
    it('grant their permissions, and changes reach a signed-in holder on the next request', async () => {
      const created = await t.http
        .post('/api/v1/roles')
        .set('authorization', p.owner.auth)
        .send({
          key: 'auditor',
          name: 'Auditor',
          description: 'Reads the audit trail',
          permissions: [{ action: 'read', subject: 'Role' }],
        });
      expect(created.status).toBe(201);
      const holder = await createUser(t, p.owner, ['auditor']);
      expect(
        (await t.http.get('/api/v1/roles/matrix').set('authorization', holder.auth)).status,
      ).toBe(200);
      await t.http
        .patch('/api/v1/roles/auditor')
        .set('authorization', p.owner.auth)
        .send({ permissions: [{ action: 'read', subject: 'Organization' }] })
        .expect(200);
      expectProblem(
        await t.http.get('/api/v1/roles/matrix').set('authorization', holder.auth),
        403,
      );
      const list = await t.http.get('/api/v1/roles').set('authorization', p.owner.auth).expect(200);
      expect(list.body.map((role: { key: string }) => role.key)).toEqual(
        expect.arrayContaining(['owner', 'user', 'auditor']),
      );
      expect(list.body.find((role: { key: string }) => role.key === 'auditor')).toMatchObject({
        builtIn: false,
        name: 'Auditor',
      });
    });

    it('cannot take a built-in key, and built-in roles cannot be changed or deleted', async () => {
      expectProblem(
        await t.http
          .post('/api/v1/roles')
          .set('authorization', p.owner.auth)
          .send({ key: 'owner', name: 'x', permissions: [] }),
        409,
      );
      expectProblem(
        await t.http.delete('/api/v1/roles/user').set('authorization', p.owner.auth),
        403,
        /Built-in roles/,
      );
    });

    it('refuses unknown roles when assigning', async () => {
      const target = await createUser(t, p.owner, ['user']);
      expectProblem(await setRoles(p.owner, target.id, ['wizard']), 400, /Unknown role/);
    });
  });
});

describe('The organization keeps an active Owner (rule 2)', () => {
  it('refuses to take the role from, or deactivate, the last active Owner', async () => {
    const t2 = await startTestApp();
    try {
      const owners = await principalsForEveryRole(t2);
      const alone = owners.owner;
      expectProblem(
        await t2.http
          .put(`/api/v1/users/${alone.id}/roles`)
          .set('authorization', alone.auth)
          .send({ roles: ['it_admin'] }),
        409,
        /at least one active Owner/,
      );
      const deputy = await createUser(t2, alone, ['owner']);
      expectProblem(
        await t2.http
          .post(`/api/v1/users/${alone.id}/deactivate`)
          .set('authorization', owners.it_admin.auth),
        403,
      );
      // With a second active Owner, the first may step down.
      expect(
        (
          await t2.http
            .put(`/api/v1/users/${alone.id}/roles`)
            .set('authorization', deputy.auth)
            .send({ roles: ['it_admin'] })
        ).status,
      ).toBe(200);
      expectProblem(
        await t2.http
          .put(`/api/v1/users/${deputy.id}/roles`)
          .set('authorization', deputy.auth)
          .send({ roles: ['user'] }),
        409,
      );
    } finally {
      await t2.close();
    }
  }, 60_000);
});
