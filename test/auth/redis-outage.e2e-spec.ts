import { RedisMirror } from '../../src/infra/redis/redis-mirror';
import { eventually } from '../support/eventually';
import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_REDIS_URL } from '../support/test-env';
import { startTestApp, type TestApp } from '../support/test-app';
import { owedInvalidations } from '../support/test-database';

/**
 * A change made while Redis is unreachable reaches PostgreSQL but not Redis:
 * the session's snapshot stays unmarked and the version counters unbumped.
 * Each case lets the app remember something (a principal, a key, a decision's
 * user), cuts Redis, makes the change, and expects it to hold during the
 * outage and after Redis is back, when Redis still answers as before it.
 */
describe('Changes made while Redis is unreachable still apply once it is back', () => {
  let redis: TcpProxy;
  let t: TestApp;
  let owner: SignedIn;
  let mirror: RedisMirror;

  const as = (who: { auth: string }) => ({
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
    put: (path: string, body: object) => t.http.put(path).set('authorization', who.auth).send(body),
    delete: (path: string) => t.http.delete(path).set('authorization', who.auth),
  });
  const leased = (holds: boolean) =>
    eventually(
      () => Promise.resolve(mirror.leased),
      (value) => value === holds,
    );
  /**
   * Cuts Redis, makes the change, checks it holds (unless asked not to: a
   * refused API key is forgotten at once), restores Redis, and checks again
   * under a new lease.
   */
  async function whileRedisIsAway(
    change: () => Promise<unknown>,
    holds: () => Promise<unknown>,
    { checkDuringOutage = true } = {},
  ) {
    redis.cut();
    await leased(false);
    await change();
    // No process reaches Redis to deliver what the change must tell: it waits in PostgreSQL.
    expect(await owedInvalidations(t.databaseUrl)).toBeGreaterThan(0);
    if (checkDuringOutage) await holds();
    redis.restore();
    await leased(true);
    // What could not reach Redis during the outage is delivered once it is back.
    await eventually(
      () => owedInvalidations(t.databaseUrl),
      (owed) => owed === 0,
    );
    await holds();
  }

  beforeAll(async () => {
    redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    t = await startTestApp({ redisUrl: (url) => redis.rewrite(url) });
    mirror = t.app.get(RedisMirror);
    owner = await signInOwner(t);
  }, 60_000);
  afterAll(async () => {
    redis.restore();
    await t.close();
    await redis.stop();
  });
  beforeEach(() => leased(true));

  it('a session revoked meanwhile stays revoked', async () => {
    const user = await createUser(t, owner, ['developer']);
    await as(user).get('/api/v1/me').expect(200);
    await as(user).get('/api/v1/me').expect(200);
    await whileRedisIsAway(
      () => as(owner).delete(`/api/v1/sessions/${user.sessionId}`).expect(204),
      async () => expectProblem(await as(user).get('/api/v1/me'), 401),
    );
  }, 30_000);

  it('a user deactivated meanwhile stays signed out', async () => {
    const user = await createUser(t, owner, ['developer']);
    await as(user).get('/api/v1/me').expect(200);
    await whileRedisIsAway(
      () => as(owner).post(`/api/v1/users/${user.id}/deactivate`).expect(200),
      async () => expectProblem(await as(user).get('/api/v1/me'), 401),
    );
  }, 30_000);

  it('a role taken away meanwhile stays taken away', async () => {
    const user = await createUser(t, owner, ['compliance']);
    await as(user).get('/api/v1/roles/matrix').expect(200);
    await as(user).get('/api/v1/roles/matrix').expect(200);
    await whileRedisIsAway(
      () =>
        as(owner)
          .put(`/api/v1/users/${user.id}/roles`, { roles: ['user'] })
          .expect(200),
      async () => expectProblem(await as(user).get('/api/v1/roles/matrix'), 403),
    );
  }, 30_000);

  it('an API key revoked meanwhile stays revoked', async () => {
    const user = await createUser(t, owner, ['developer']);
    const created = await as(user).post('/api/v1/api-keys', { name: 'outage key' }).expect(201);
    const key = { auth: `Bearer ${created.body.key as string}` };
    await as(key).get('/api/v1/me').expect(200);
    await as(key).get('/api/v1/me').expect(200);
    await whileRedisIsAway(
      () =>
        as(user)
          .delete(`/api/v1/api-keys/${created.body.id as string}`)
          .expect(204),
      async () => expectProblem(await as(key).get('/api/v1/me'), 401),
      { checkDuringOutage: false },
    );
  }, 30_000);

  it('a user deactivated meanwhile is inactive to decisions', async () => {
    const app = (await as(owner).post('/api/v1/applications', { name: 'outage' }).expect(201)).body
      .id as string;
    await as(owner)
      .post(`/api/v1/applications/${app}/policies`, {
        name: 'developers read',
        effect: 'allow',
        actions: ['read'],
        roles: ['developer'],
      })
      .expect(201);
    const user = await createUser(t, owner, ['developer']);
    const ask = async () =>
      (
        await as(owner)
          .post('/api/v1/authz/check', {
            checks: [
              { userId: user.id, action: 'read', resource: { type: 'application', id: app } },
            ],
          })
          .expect(200)
      ).body.results[0];
    expect((await ask()).allowed).toBe(true); // kept, under the user's current version
    await whileRedisIsAway(
      () => as(owner).post(`/api/v1/users/${user.id}/deactivate`).expect(200),
      async () => expect(await ask()).toMatchObject({ allowed: false, reason: 'user is inactive' }),
    );
  }, 30_000);
});
