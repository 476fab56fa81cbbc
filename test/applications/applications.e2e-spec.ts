import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import {
  createUser,
  principalsForEveryRole,
  signIn,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';
import type { BuiltInRoleKey } from '../../src/authz/vocabulary';

describe('Applications, access policies and decisions', () => {
  let t: TestApp;
  let p: Record<BuiltInRoleKey, SignedIn>;
  let foreign: SignedIn;
  let foreignAppId: string;
  let foreignGroupId: string;

  const as = (who: SignedIn) => ({
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
    patch: (path: string, body: object) =>
      t.http.patch(path).set('authorization', who.auth).send(body),
    put: (path: string, body: object) => t.http.put(path).set('authorization', who.auth).send(body),
    delete: (path: string) => t.http.delete(path).set('authorization', who.auth),
  });

  const createApp = async (who: SignedIn, name: string): Promise<string> =>
    (await as(who).post('/api/v1/applications', { name }).expect(201)).body.id;
  const createGroup = async (name: string, members: string[]): Promise<string> => {
    const id = (await as(p.owner).post('/api/v1/groups', { name }).expect(201)).body.id as string;
    if (members.length > 0)
      await as(p.owner).post(`/api/v1/groups/${id}/members`, { userIds: members }).expect(200);
    return id;
  };
  const visibleNames = async (who: SignedIn, prefix: string): Promise<string[]> => {
    const response = await as(who).get(`/api/v1/applications?q=${prefix}&limit=200`).expect(200);
    return (response.body.items as Array<{ name: string }>).map((item) => item.name).sort();
  };
  const auditActions = async (targetId: string): Promise<string[]> => {
    const response = await as(p.owner)
      .get(`/api/v1/audit-events?targetId=${targetId}&limit=200`)
      .expect(200);
    return (response.body.items as Array<{ action: string }>).map((event) => event.action).sort();
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_ORGANIZATION_SIGNUP: 'true' } });
    p = await principalsForEveryRole(t);
    await t.http
      .post('/api/v1/organizations')
      .send({
        slug: 'rival',
        name: 'Rival Inc',
        owner: { username: 'rival-owner', email: 'owner@rival.example', password: TEST_PASSWORD },
      })
      .expect(201);
    foreign = await signIn(t, 'rival', 'rival-owner', TEST_PASSWORD);
    foreignAppId = await createApp(foreign, 'Rival payroll');
    foreignGroupId = (
      await t.http
        .post('/api/v1/groups')
        .set('authorization', foreign.auth)
        .send({ name: 'Rival staff' })
        .expect(201)
    ).body.id;
  }, 60_000);
  afterAll(() => t.close());

  describe('visibility', () => {
    let throughGroup: SignedIn;
    let direct: SignedIn;
    let unassigned: SignedIn;
    let groupId: string;
    let shared: string;

    beforeAll(async () => {
      throughGroup = await createUser(t, p.owner, ['user']);
      direct = await createUser(t, p.owner, ['user']);
      unassigned = await createUser(t, p.owner, ['user']);
      groupId = await createGroup('vis readers', [throughGroup.id]);
      shared = await createApp(p.owner, 'vis shared');
      await createApp(p.owner, 'vis private');
      await createApp(p.developer, 'vis dev-owned');
      const forDeveloper = await createApp(p.it_admin, 'vis dev-assigned');
      await as(p.it_admin)
        .put(`/api/v1/applications/${forDeveloper}/assignments`, {
          userIds: [p.developer.id],
          groupIds: [],
        })
        .expect(200);
      const assignment = await as(p.owner)
        .put(`/api/v1/applications/${shared}/assignments`, {
          userIds: [direct.id],
          groupIds: [groupId],
        })
        .expect(200);
      expect(assignment.body).toEqual({ userIds: [direct.id], groupIds: [groupId] });
    });

    const everything = ['vis dev-assigned', 'vis dev-owned', 'vis private', 'vis shared'];

    it.each(['owner', 'it_admin', 'security', 'compliance', 'governance', 'developer'] as const)(
      '%s sees every application of the organization',
      async (role) => {
        expect(await visibleNames(p[role], 'vis')).toEqual(everything);
      },
    );

    it('a User sees what is assigned to them directly or through a group, nothing else', async () => {
      expect(await visibleNames(throughGroup, 'vis')).toEqual(['vis shared']);
      expect(await visibleNames(direct, 'vis')).toEqual(['vis shared']);
      expect(await visibleNames(unassigned, 'vis')).toEqual([]);
      await as(throughGroup).get(`/api/v1/applications/${shared}`).expect(200);
      expectProblem(await as(unassigned).get(`/api/v1/applications/${shared}`), 404);
    });

    it('a User sees what they own even without an application role', async () => {
      const former = await createUser(t, p.owner, ['developer']);
      const own = await createApp(former, 'vis former-dev');
      await as(p.owner)
        .put(`/api/v1/users/${former.id}/roles`, { roles: ['user'] })
        .expect(200);
      expect(await visibleNames(former, 'vis')).toEqual(['vis former-dev']);
      await as(former).get(`/api/v1/applications/${own}`).expect(200);
      expectProblem(await as(former).patch(`/api/v1/applications/${own}`, { name: 'x' }), 403);
    });

    it('assignment changes and group deletion apply at the next request', async () => {
      const app = await createApp(p.owner, 'vis transient');
      const group = await createGroup('vis transient readers', [unassigned.id]);
      await as(p.owner)
        .put(`/api/v1/applications/${app}/assignments`, { userIds: [], groupIds: [group] })
        .expect(200);
      expect(await visibleNames(unassigned, 'vis')).toEqual(['vis transient']);
      await as(p.owner).delete(`/api/v1/groups/${group}`).expect(204);
      expect(await visibleNames(unassigned, 'vis')).toEqual([]);
      const after = await as(p.owner).get(`/api/v1/applications/${app}`).expect(200);
      expect(after.body.assignments).toEqual({ userIds: [], groupIds: [] });
    });

    it('another organization’s applications are 404 for everyone, even its owner’s peers', async () => {
      for (const role of ['owner', 'it_admin', 'developer', 'user'] as const) {
        expectProblem(await as(p[role]).get(`/api/v1/applications/${foreignAppId}`), 404);
      }
      expect(await visibleNames(p.owner, 'Rival')).toEqual([]);
    });

    it('pages through the list by name with a cursor', async () => {
      const first = await as(p.owner).get('/api/v1/applications?q=vis&limit=2').expect(200);
      expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(
        everything.slice(0, 2),
      );
      const second = await as(p.owner)
        .get(`/api/v1/applications?q=vis&limit=2&cursor=${first.body.nextCursor}`)
        .expect(200);
      expect(second.body.items.map((item: { name: string }) => item.name)).toEqual([
        'vis former-dev',
        'vis private',
      ]);
      expectProblem(await as(p.owner).get('/api/v1/applications?cursor=nonsense'), 400);
    });
  });

  describe('managing applications', () => {
    it('Developers change their own and assigned applications only; IT Admins any', async () => {
      const own = await createApp(p.developer, 'mgmt dev-own');
      const assigned = await createApp(p.owner, 'mgmt dev-assigned');
      const other = await createApp(p.owner, 'mgmt not-dev');
      await as(p.owner)
        .put(`/api/v1/applications/${assigned}/assignments`, {
          userIds: [p.developer.id],
          groupIds: [],
        })
        .expect(200);
      await as(p.developer)
        .patch(`/api/v1/applications/${own}`, { description: 'mine' })
        .expect(200);
      await as(p.developer)
        .patch(`/api/v1/applications/${assigned}`, { description: 'given to me' })
        .expect(200);
      expectProblem(
        await as(p.developer).patch(`/api/v1/applications/${other}`, { description: 'no' }),
        403,
      );
      expectProblem(
        await as(p.developer).put(`/api/v1/applications/${other}/assignments`, {
          userIds: [],
          groupIds: [],
        }),
        403,
      );
      expectProblem(await as(p.developer).delete(`/api/v1/applications/${other}`), 403);
      await as(p.it_admin)
        .patch(`/api/v1/applications/${other}`, { description: 'ok' })
        .expect(200);
      expectProblem(await as(p.security).post('/api/v1/applications', { name: 'mgmt sec' }), 403);
      expectProblem(await as(p.user).post('/api/v1/applications', { name: 'mgmt user' }), 403);
      await as(p.developer).delete(`/api/v1/applications/${own}`).expect(204);
      expectProblem(await as(p.owner).get(`/api/v1/applications/${own}`), 404);
    });

    it('answers bad input with a problem and changes nothing', async () => {
      const app = await createApp(p.owner, 'mgmt strict');
      expectProblem(await as(p.owner).post('/api/v1/applications', { name: '' }), 400);
      expectProblem(await as(p.owner).post('/api/v1/applications', { name: 'mgmt strict' }), 409);
      expectProblem(await as(p.owner).patch(`/api/v1/applications/${app}`, { name: 7 }), 400);
      expectProblem(
        await as(p.owner).put(`/api/v1/applications/${app}/assignments`, {
          userIds: ['not-a-uuid'],
          groupIds: [],
        }),
        400,
      );
      expectProblem(
        await as(p.owner).put(`/api/v1/applications/${app}/assignments`, {
          userIds: [foreign.id],
          groupIds: [],
        }),
        404,
        new RegExp(foreign.id),
      );
      expectProblem(
        await as(p.owner).put(`/api/v1/applications/${app}/assignments`, {
          userIds: [],
          groupIds: [foreignGroupId],
        }),
        404,
      );
      expectProblem(await as(p.owner).get('/api/v1/applications/nope'), 400);
      const unchanged = await as(p.owner).get(`/api/v1/applications/${app}`).expect(200);
      expect(unchanged.body).toMatchObject({
        name: 'mgmt strict',
        ownerId: p.owner.id,
        assignments: { userIds: [], groupIds: [] },
      });
      expect(await auditActions(app)).toEqual(['application.created']);
    });

    it('records every change in the audit trail', async () => {
      const app = await createApp(p.it_admin, 'mgmt audited');
      await as(p.it_admin)
        .patch(`/api/v1/applications/${app}`, { name: 'mgmt audited 2' })
        .expect(200);
      await as(p.it_admin)
        .put(`/api/v1/applications/${app}/assignments`, { userIds: [p.user.id], groupIds: [] })
        .expect(200);
      const policy = await as(p.it_admin)
        .post(`/api/v1/applications/${app}/policies`, {
          name: 'readers',
          effect: 'allow',
          actions: ['read'],
          roles: ['user'],
        })
        .expect(201);
      await as(p.it_admin)
        .patch(`/api/v1/applications/${app}/policies/${policy.body.id}`, {
          actions: ['read', 'list'],
        })
        .expect(200);
      await as(p.it_admin)
        .delete(`/api/v1/applications/${app}/policies/${policy.body.id}`)
        .expect(204);
      await as(p.it_admin).delete(`/api/v1/applications/${app}`).expect(204);
      expect(await auditActions(app)).toEqual([
        'application.assigned',
        'application.created',
        'application.deleted',
        'application.updated',
      ]);
      expect(await auditActions(policy.body.id)).toEqual([
        'policy.created',
        'policy.deleted',
        'policy.updated',
      ]);
      const updated = await as(p.owner)
        .get(`/api/v1/audit-events?targetId=${policy.body.id}&action=policy.updated`)
        .expect(200);
      expect(updated.body.items[0].changes).toEqual({
        actions: { from: ['read'], to: ['read', 'list'] },
      });
    });
  });

  describe('policies', () => {
    let app: string;
    beforeAll(async () => {
      app = await createApp(p.owner, 'pol target');
    });

    it.each(['owner', 'security', 'compliance', 'it_admin', 'developer'] as const)(
      '%s manages policies',
      async (role) => {
        const created = await as(p[role])
          .post(`/api/v1/applications/${app}/policies`, {
            name: `by ${role}`,
            effect: 'deny',
            actions: ['delete'],
            users: [p.user.id],
          })
          .expect(201);
        expect(created.body).toMatchObject({
          applicationId: app,
          effect: 'deny',
          actions: ['delete'],
          users: [p.user.id],
          groups: [],
          roles: [],
          createdById: p[role].id,
        });
        await as(p[role])
          .patch(`/api/v1/applications/${app}/policies/${created.body.id}`, { effect: 'allow' })
          .expect(200);
        const listed = await as(p[role]).get(`/api/v1/applications/${app}/policies`).expect(200);
        expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(created.body.id);
        await as(p[role])
          .delete(`/api/v1/applications/${app}/policies/${created.body.id}`)
          .expect(204);
      },
    );

    it.each(['governance', 'user'] as const)('%s may not read or change policies', async (role) => {
      expectProblem(await as(p[role]).get(`/api/v1/applications/${app}/policies`), 403);
      expectProblem(
        await as(p[role]).post(`/api/v1/applications/${app}/policies`, {
          name: 'sneaky',
          effect: 'allow',
          actions: ['*'],
          roles: ['*'],
        }),
        403,
      );
    });

    it('refuses malformed policies and names the field', async () => {
      const bad = [
        { name: 'x', effect: 'maybe', actions: ['read'], roles: ['*'] },
        { name: 'x', effect: 'allow', actions: [], roles: ['*'] },
        { name: 'x', effect: 'allow', actions: ['read now'], roles: ['*'] },
        { name: 'x', effect: 'allow', actions: ['read'] },
        { name: 'x', effect: 'allow', actions: ['read'], roles: ['no_such_role'] },
        { name: 'x', effect: 'allow', actions: ['read'], users: ['42'] },
      ];
      for (const body of bad) {
        expectProblem(await as(p.owner).post(`/api/v1/applications/${app}/policies`, body), 400);
      }
      expectProblem(
        await as(p.owner).post(`/api/v1/applications/${app}/policies`, {
          name: 'x',
          effect: 'allow',
          actions: ['read'],
          groups: [foreignGroupId],
        }),
        404,
      );
      expectProblem(
        await as(p.owner).post(`/api/v1/applications/${foreignAppId}/policies`, {
          name: 'x',
          effect: 'allow',
          actions: ['read'],
          roles: ['*'],
        }),
        404,
      );
      const listed = await as(p.owner).get(`/api/v1/applications/${app}/policies`).expect(200);
      expect(listed.body.items).toEqual([]);
      const kept = await as(p.owner)
        .post(`/api/v1/applications/${app}/policies`, {
          name: 'kept',
          effect: 'allow',
          actions: ['read'],
          roles: ['*'],
        })
        .expect(201);
      for (const body of [{ effect: 'maybe' }, { actions: [] }, { roles: [] }, { name: '' }]) {
        expectProblem(
          await as(p.owner).patch(`/api/v1/applications/${app}/policies/${kept.body.id}`, body),
          400,
        );
      }
      const after = await as(p.owner).get(`/api/v1/applications/${app}/policies`).expect(200);
      expect(after.body.items).toEqual([kept.body]);
      await as(p.owner).delete(`/api/v1/applications/${app}/policies/${kept.body.id}`).expect(204);
    });
  });

  describe('POST /authz/check', () => {
    let u1: SignedIn; // developer
    let u2: SignedIn; // user, member of G2
    let u3: SignedIn; // user, named directly
    let u4: SignedIn; // developer, deactivated
    let u5: SignedIn; // user, named nowhere
    let apps: string[];
    const actions = ['read', 'write', 'deploy', 'delete', 'admin'];

    const policy = (app: string, body: object) =>
      as(p.owner).post(`/api/v1/applications/${app}/policies`, body).expect(201);
    const check = (who: SignedIn, checks: object[]) =>
      as(who).post('/api/v1/authz/check', { checks });
    const one = (userId: string, action: string, appId: string) => ({
      userId,
      action,
      resource: { type: 'application', id: appId },
    });

    beforeAll(async () => {
      u1 = await createUser(t, p.owner, ['developer']);
      u2 = await createUser(t, p.owner, ['user']);
      u3 = await createUser(t, p.owner, ['user']);
      u4 = await createUser(t, p.owner, ['developer']);
      u5 = await createUser(t, p.owner, ['user']);
      const g2 = await createGroup('dec g2', [u2.id]);
      apps = [
        await createApp(p.owner, 'dec P1'),
        await createApp(p.owner, 'dec P2'),
        await createApp(p.owner, 'dec P3'),
        await createApp(p.owner, 'dec P4'),
      ];
      const [p1, p2, p3] = apps as [string, string, string, string];
      await policy(p1, {
        name: 'devs read+write',
        effect: 'allow',
        actions: ['read', 'write'],
        roles: ['developer'],
      });
      await policy(p1, {
        name: 'no write for u1',
        effect: 'deny',
        actions: ['write'],
        users: [u1.id],
      });
      await policy(p1, { name: 'g2 everything', effect: 'allow', actions: ['*'], groups: [g2] });
      await policy(p2, {
        name: 'everyone reads',
        effect: 'allow',
        actions: ['read'],
        roles: ['*'],
      });
      await policy(p2, { name: 'g2 blocked', effect: 'deny', actions: ['*'], groups: [g2] });
      await policy(p3, {
        name: 'u3 deploys',
        effect: 'allow',
        actions: ['deploy'],
        users: [u3.id],
      });
      await policy(p3, { name: 'users read', effect: 'allow', actions: ['read'], roles: ['user'] });
      await as(p.owner).post(`/api/v1/users/${u4.id}/deactivate`).expect(200);
    }, 60_000);

    it('answers a batch of 100 mixed checks in one call: deny wins, no allow means deny', async () => {
      // What each user may do on P1..P4, from the policies above.
      const allowed = (): Record<string, string[][]> => ({
        [u1.id]: [['read'], ['read'], [], []],
        [u2.id]: [actions, [], ['read'], []],
        [u3.id]: [[], ['read'], ['read', 'deploy'], []],
        [u4.id]: [[], [], [], []],
        [u5.id]: [[], ['read'], ['read'], []],
      });
      const expected = allowed();
      const checks = Object.keys(expected).flatMap((userId) =>
        apps.flatMap((appId) => actions.map((action) => one(userId, action, appId))),
      );
      expect(checks).toHaveLength(100);
      const response = await check(p.owner, checks).expect(200);
      expect(response.body.results).toHaveLength(100);
      checks.forEach((c, i) => {
        const appIndex = apps.indexOf(c.resource.id);
        const verdict = response.body.results[i];
        expect([c.userId, appIndex, c.action, verdict.allowed]).toEqual([
          c.userId,
          appIndex,
          c.action,
          expected[c.userId]?.[appIndex]?.includes(c.action) ?? false,
        ]);
      });
      const reasonOf = (userId: string, action: string, app: number) =>
        response.body.results[
          checks.findIndex(
            (c) => c.userId === userId && c.action === action && c.resource.id === apps[app],
          )
        ].reason;
      expect(reasonOf(u1.id, 'write', 0)).toBe('denied by policy "no write for u1"');
      expect(reasonOf(u1.id, 'read', 0)).toBe('allowed by policy "devs read+write"');
      expect(reasonOf(u2.id, 'read', 1)).toBe('denied by policy "g2 blocked"');
      expect(reasonOf(u5.id, 'delete', 2)).toBe('no policy allows "delete"');
      expect(reasonOf(u4.id, 'read', 0)).toBe('user is inactive');
      expect(reasonOf(u1.id, 'read', 3)).toBe('no policy allows "read"');
    });

    it('reads one small statement per call, and policies only of new or changed applications', async () => {
      const knex = (t.app.get(MikroORM).em as EntityManager).getKnex();
      const statements: Array<{ sql: string; bindings: unknown[] }> = [];
      // Every process polls for owed invalidations in the background; that is not the call's.
      const listener = (query: { sql: string; bindings: unknown[] }) => {
        if (!query.sql.includes('owed_invalidations')) statements.push(query);
      };
      const policyReads = () =>
        statements.filter(({ sql }) => /application_policies/.test(sql)).length;
      const all = apps.flatMap((appId) =>
        [u1, u2, u3, u4, u5].flatMap((u) => actions.map((action) => one(u.id, action, appId))),
      );
      await check(p.owner, all).expect(200); // every application compiled once
      knex.on('query', listener);
      try {
        await check(p.owner, all).expect(200);
        expect(statements).toHaveLength(1); // the users and the applications' versions
        expect(policyReads()).toBe(0);
        // A new policy on P4 changes its version: only P4 is read again, and it decides.
        await policy(apps[3], {
          name: 'u5 reads P4',
          effect: 'allow',
          actions: ['read'],
          users: [u5.id],
        });
        statements.length = 0;
        const after = await check(p.owner, all).expect(200);
        expect(policyReads()).toBe(1);
        const policyRead = statements.find(({ sql }) => /application_policies/.test(sql));
        expect(policyRead?.bindings[1]).toEqual([apps[3]]);
        const index = all.findIndex(
          (c) => c.userId === u5.id && c.action === 'read' && c.resource.id === apps[3],
        );
        expect(after.body.results[index]).toMatchObject({
          allowed: true,
          reason: 'allowed by policy "u5 reads P4"',
        });
      } finally {
        knex.removeListener('query', listener);
      }
    });

    it('sees a policy changed behind the API at once (the version is kept by the database)', async () => {
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      try {
        const ask = [one(u5.id, 'read', apps[3])];
        expect((await check(p.owner, ask).expect(200)).body.results[0].allowed).toBe(true);
        await db.query(
          "update application_policies set effect = 'deny' where name = 'u5 reads P4'",
        );
        expect((await check(p.owner, ask).expect(200)).body.results[0]).toMatchObject({
          allowed: false,
          reason: 'denied by policy "u5 reads P4"',
        });
        await db.query("delete from application_policies where name = 'u5 reads P4'");
        expect((await check(p.owner, ask).expect(200)).body.results[0].reason).toBe(
          'no policy allows "read"',
        );
      } finally {
        await db.end();
      }
    });

    it('denies a deactivated user even where a policy allows, and allows again once activated', async () => {
      const before = await check(p.owner, [one(u4.id, 'read', apps[0])]).expect(200);
      expect(before.body.results[0]).toEqual({
        allowed: false,
        reason: 'user is inactive',
        policyId: null,
      });
      await as(p.owner).post(`/api/v1/users/${u4.id}/activate`).expect(200);
      const after = await check(p.owner, [one(u4.id, 'read', apps[0])]).expect(200);
      expect(after.body.results[0]).toMatchObject({
        allowed: true,
        reason: 'allowed by policy "devs read+write"',
      });
      expect(after.body.results[0].policyId).toEqual(expect.any(String));
      await as(p.owner).post(`/api/v1/users/${u4.id}/deactivate`).expect(200);
    });

    it('counts the roles a user holds through a group, and only while they are in it', async () => {
      const ask = async () =>
        (
          await check(p.owner, [one(u5.id, 'write', apps[0]), one(u5.id, 'read', apps[0])]).expect(
            200,
          )
        ).body.results as Array<{ allowed: boolean }>;
      expect((await ask()).map((result) => result.allowed)).toEqual([false, false]);
      const developers = (
        await as(p.owner)
          .post('/api/v1/groups', { name: 'dec developers', roles: ['developer'] })
          .expect(201)
      ).body.id as string;
      const empty = await createGroup('dec nothing', [u5.id]);
      await as(p.owner)
        .post(`/api/v1/groups/${developers}/members`, { userIds: [u5.id] })
        .expect(200);
      expect((await ask()).map((result) => result.allowed)).toEqual([true, true]);
      await as(p.owner).delete(`/api/v1/groups/${developers}/members/${u5.id}`).expect(204);
      expect((await ask()).map((result) => result.allowed)).toEqual([false, false]);
      await as(p.owner).delete(`/api/v1/groups/${empty}/members/${u5.id}`).expect(204);
    });

    it('a User may ask only about themselves, and only about applications they can see', async () => {
      const unseen = await check(u5, [one(u5.id, 'read', apps[1])]).expect(200);
      expect(unseen.body.results[0]).toEqual({
        allowed: false,
        reason: 'application not found',
        policyId: null,
      });
      expectProblem(
        await check(u5, [one(u5.id, 'read', apps[1]), one(u3.id, 'read', apps[1])]),
        403,
      );
      await as(p.owner)
        .put(`/api/v1/applications/${apps[1]}/assignments`, { userIds: [u5.id], groupIds: [] })
        .expect(200);
      const visible = await check(u5, [
        one(u5.id, 'read', apps[1]),
        one(u5.id, 'read', apps[2]),
      ]).expect(200);
      expect(visible.body.results).toEqual([
        {
          allowed: true,
          reason: 'allowed by policy "everyone reads"',
          policyId: expect.any(String),
        },
        { allowed: false, reason: 'application not found', policyId: null },
      ]);
    });

    it('another organization’s users and applications are not found, never allowed', async () => {
      const response = await check(p.owner, [
        one(foreign.id, 'read', apps[1]),
        one(u5.id, 'read', foreignAppId),
      ]).expect(200);
      expect(response.body.results).toEqual([
        { allowed: false, reason: 'user not found', policyId: null },
        { allowed: false, reason: 'application not found', policyId: null },
      ]);
      const fromOutside = await check(foreign, [one(u5.id, 'read', apps[1])]).expect(200);
      expect(fromOutside.body.results[0]).toMatchObject({
        allowed: false,
        reason: 'user not found',
      });
    });

    it('refuses malformed requests', async () => {
      const tooMany = Array.from({ length: 101 }, () => one(u1.id, 'read', apps[0]));
      for (const checks of [
        [],
        tooMany,
        [one(u1.id, '*', apps[0])],
        [{ userId: u1.id, action: 'read', resource: { type: 'group', id: apps[0] } }],
        [{ userId: 'x', action: 'read', resource: { type: 'application', id: apps[0] } }],
      ]) {
        expectProblem(await check(p.owner, checks), 400);
      }
      expectProblem(await as(p.owner).post('/api/v1/authz/check', { checks: 'all' }), 400);
    });
  });

  describe('ownership on user delete', () => {
    it('refuses while the user owns applications, then hands them to transferOwnershipTo', async () => {
      const leaving = await createUser(t, p.owner, ['developer']);
      const heir = await createUser(t, p.owner, ['developer']);
      const owned = [await createApp(leaving, 'own a'), await createApp(leaving, 'own b')];
      const elsewhere = await createApp(p.owner, 'own assigned');
      await as(p.owner)
        .put(`/api/v1/applications/${elsewhere}/assignments`, {
          userIds: [leaving.id, heir.id],
          groupIds: [],
        })
        .expect(200);
      const pol = await as(p.owner)
        .post(`/api/v1/applications/${elsewhere}/policies`, {
          name: 'leaving reads',
          effect: 'allow',
          actions: ['read'],
          users: [leaving.id, heir.id],
        })
        .expect(201);
      const stats = await as(p.owner).get(`/api/v1/users/${leaving.id}`).expect(200);
      expect(stats.body.stats.applications).toBe(2);

      expectProblem(
        await as(p.owner).delete(`/api/v1/users/${leaving.id}`),
        409,
        /owns 2 application/,
      );
      await as(p.owner).get(`/api/v1/users/${leaving.id}`).expect(200);

      await as(p.owner)
        .delete(`/api/v1/users/${leaving.id}?transferOwnershipTo=${heir.id}`)
        .expect(204);
      for (const id of owned) {
        const app = await as(p.owner).get(`/api/v1/applications/${id}`).expect(200);
        expect(app.body.ownerId).toBe(heir.id);
        expect(await auditActions(id)).toEqual([
          'application.created',
          'application.ownershipTransferred',
        ]);
      }
      const heirStats = await as(p.owner).get(`/api/v1/users/${heir.id}`).expect(200);
      expect(heirStats.body.stats.applications).toBe(2);
      const list = await as(p.owner).get(`/api/v1/users?q=${heir.username}`).expect(200);
      const row = list.body.items.find((item: { id: string }) => item.id === heir.id);
      expect(row.stats.applications).toBe(2);
      const assigned = await as(p.owner).get(`/api/v1/applications/${elsewhere}`).expect(200);
      expect(assigned.body.assignments.userIds).toEqual([heir.id]);
      const policies = await as(p.owner)
        .get(`/api/v1/applications/${elsewhere}/policies`)
        .expect(200);
      expect(
        policies.body.items.find((item: { id: string }) => item.id === pol.body.id).users,
      ).toEqual([heir.id]);
    });
  });
});
