import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { type SecondInstance, startSecondInstanceBeside } from '../support/second-instance';
import { startTestApp, type TestApp } from '../support/test-app';
import type TestAgent from 'supertest/lib/agent';

/** Whether the user may read the application, as `caller` asks the instance `http`. */
async function mayRead(
  http: TestAgent,
  caller: SignedIn,
  applicationId: string,
  userId: string,
): Promise<{ allowed: boolean; reason: string }> {
  const response = await http
    .post('/api/v1/authz/check')
    .set('authorization', caller.auth)
    .send({
      checks: [{ userId, action: 'read', resource: { type: 'application', id: applicationId } }],
    })
    .expect(200);
  return response.body.results[0];
}

/**
 * Decisions keep the users they read, per process, by the users' version
 * counters. Each test first makes the answering instance keep the user, then
 * changes the user elsewhere, and expects the very next decision to see it.
 */
describe('What decisions keep about users never outlives a change to them', () => {
  let a: TestApp;
  let b: SecondInstance;
  let owner: SignedIn;
  let app: string;
  let developers: string;

  const onA = (method: 'post' | 'put' | 'patch' | 'delete', path: string, body?: object) =>
    a.http[method](path).set('authorization', owner.auth).send(body);
  const mayReadOnB = (userId: string) => mayRead(b.http, owner, app, userId);

  beforeAll(async () => {
    a = await startTestApp();
    b = await startSecondInstanceBeside(a);
    owner = await signInOwner(a);
    app = (await onA('post', '/api/v1/applications', { name: 'kept subjects' }).expect(201)).body
      .id;
    await onA('post', `/api/v1/applications/${app}/policies`, {
      name: 'developers read',
      effect: 'allow',
      actions: ['read'],
      roles: ['developer'],
    }).expect(201);
    developers = (await onA('post', '/api/v1/groups', { name: 'kept devs' }).expect(201)).body.id;
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.close();
  });

  it('reads no user again while none changed: one statement, for the applications’ versions', async () => {
    const user = await createUser(a, owner, ['developer']);
    const ask = () => mayRead(a.http, owner, app, user.id);
    await ask();
    const knex = (a.app.get(MikroORM).em as EntityManager).getKnex();
    const statements: string[] = [];
    // Every process polls for owed invalidations in the background; that is not the call's.
    const listener = (query: { sql: string }) => {
      if (!query.sql.includes('owed_invalidations')) statements.push(query.sql);
    };
    knex.on('query', listener);
    try {
      expect((await ask()).allowed).toBe(true);
      expect(statements).toHaveLength(1);
      expect(statements[0]).not.toMatch(/from users/);
      await onA('put', `/api/v1/users/${user.id}/roles`, { roles: ['user'] }).expect(200);
      statements.length = 0;
      expect((await ask()).allowed).toBe(false);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/from users/);
    } finally {
      knex.removeListener('query', listener);
    }
  });

  it('a deactivation on one instance applies to decisions on the other at once, and so does activation', async () => {
    const user = await createUser(a, owner, ['developer']);
    expect((await mayReadOnB(user.id)).allowed).toBe(true);
    await onA('post', `/api/v1/users/${user.id}/deactivate`).expect(200);
    expect(await mayReadOnB(user.id)).toMatchObject({ allowed: false, reason: 'user is inactive' });
    await onA('post', `/api/v1/users/${user.id}/activate`).expect(200);
    expect((await mayReadOnB(user.id)).allowed).toBe(true);
  });

  it('a role change on one instance applies to decisions on the other at once', async () => {
    const user = await createUser(a, owner, ['user']);
    expect((await mayReadOnB(user.id)).allowed).toBe(false);
    await onA('put', `/api/v1/users/${user.id}/roles`, { roles: ['developer'] }).expect(200);
    expect((await mayReadOnB(user.id)).allowed).toBe(true);
  });

  it('group membership and a group’s roles changed on one instance apply on the other at once', async () => {
    const user = await createUser(a, owner, ['user']);
    expect((await mayReadOnB(user.id)).allowed).toBe(false);
    await onA('post', `/api/v1/groups/${developers}/members`, { userIds: [user.id] }).expect(200);
    expect((await mayReadOnB(user.id)).allowed).toBe(false); // the group gives no role yet
    await onA('patch', `/api/v1/groups/${developers}`, { roles: ['developer'] }).expect(200);
    expect((await mayReadOnB(user.id)).allowed).toBe(true);
    await onA('delete', `/api/v1/groups/${developers}/members/${user.id}`).expect(204);
    expect((await mayReadOnB(user.id)).allowed).toBe(false);
  });

  it('a deleted user is not found on the other instance at once', async () => {
    const user = await createUser(a, owner, ['developer']);
    expect((await mayReadOnB(user.id)).allowed).toBe(true);
    await onA('delete', `/api/v1/users/${user.id}`).expect(204);
    expect(await mayReadOnB(user.id)).toMatchObject({ allowed: false, reason: 'user not found' });
  });
});
