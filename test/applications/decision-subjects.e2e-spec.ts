import { type EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { RedisMirror } from '../../src/infra/redis/redis-mirror';
import { eventually } from '../support/eventually';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { type SecondInstance, startSecondInstanceBeside } from '../support/second-instance';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_REDIS_URL } from '../support/test-env';
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
    const listener = (query: { sql: string }) => statements.push(query.sql);
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

describe('Decisions while Redis is unreachable', () => {
  let redis: TcpProxy;
  let t: TestApp;
  let owner: SignedIn;
  let app: string;

  const ask = (userId: string) => mayRead(t.http, owner, app, userId);

  beforeAll(async () => {
    redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    t = await startTestApp({ redisUrl: (url) => redis.rewrite(url) });
    owner = await signInOwner(t);
    app = (
      await t.http
        .post('/api/v1/applications')
        .set('authorization', owner.auth)
        .send({ name: 'outage' })
        .expect(201)
    ).body.id;
    await t.http
      .post(`/api/v1/applications/${app}/policies`)
      .set('authorization', owner.auth)
      .send({ name: 'developers read', effect: 'allow', actions: ['read'], roles: ['developer'] })
      .expect(201);
  }, 60_000);
  afterAll(async () => {
    redis.restore();
    await t.close();
    await redis.stop();
  });

  it('a user deactivated while Redis was away (their version never bumped) is inactive once it is back', async () => {
    const mirror = t.app.get(RedisMirror);
    const leased = (holds: boolean) =>
      eventually(
        () => Promise.resolve(mirror.leased),
        (value) => value === holds,
      );
    await leased(true);
    const user = await createUser(t, owner, ['developer']);
    expect((await ask(user.id)).allowed).toBe(true); // kept, under the user's current version
    redis.cut();
    await leased(false);
    await t.http
      .post(`/api/v1/users/${user.id}/deactivate`)
      .set('authorization', owner.auth)
      .expect(200);
    expect(await ask(user.id)).toMatchObject({ allowed: false, reason: 'user is inactive' });
    redis.restore();
    await leased(true);
    // The version counter reads as before the deactivation: only the emptied copy tells.
    expect(await ask(user.id)).toMatchObject({ allowed: false, reason: 'user is inactive' });
  }, 30_000);
});
