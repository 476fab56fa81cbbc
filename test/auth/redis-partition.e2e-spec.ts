import { RedisMirror } from '../../src/infra/redis/redis-mirror';
import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { type SecondInstance, startSecondInstanceBeside } from '../support/second-instance';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { owedInvalidations } from '../support/test-database';
import { TEST_REDIS_URL } from '../support/test-env';
import { eventually } from '../support/eventually';

/**
 * Instance A loses Redis while instance B still reaches it: A commits a change
 * but cannot bump a counter or mark a snapshot in Redis, nor tell B. Redis and
 * B's copy still say what held before the change, so without help B would keep
 * serving it (snapshots for up to a minute, API keys for up to five). A owes
 * the invalidation in PostgreSQL, B delivers it, and A answers only then: B
 * refuses on the very next request.
 */
describe('A change made on an instance cut off from Redis applies on the others at once', () => {
  let redis: TcpProxy;
  let a: TestApp;
  let b: SecondInstance;
  let owner: SignedIn;

  const on = (target: { http: TestApp['http'] }, who: { auth: string }) => ({
    get: (path: string) => target.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      target.http.post(path).set('authorization', who.auth).send(body),
    put: (path: string, body: object) =>
      target.http.put(path).set('authorization', who.auth).send(body),
    delete: (path: string) => target.http.delete(path).set('authorization', who.auth),
  });

  /** Cuts A from Redis (B keeps it), makes the change on A, and restores A's Redis. */
  async function onInstanceCutOff(change: () => Promise<unknown>): Promise<void> {
    redis.cut();
    try {
      await change();
    } finally {
      redis.restore();
    }
  }

  beforeAll(async () => {
    redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    a = await startTestApp({ redisUrl: (url) => redis.rewrite(url) });
    b = await startSecondInstanceBeside(a);
    owner = await signInOwner(a);
  }, 60_000);
  afterAll(async () => {
    redis.restore();
    await b.stop();
    await a.close();
    await redis.stop();
  });
  beforeEach(() =>
    eventually(
      () => Promise.resolve(a.app.get(RedisMirror).leased),
      (leased) => leased,
    ),
  );

  it('a session revoked on the cut-off instance fails on the other', async () => {
    const user = await createUser(a, owner, ['developer']);
    await on(b, user).get('/api/v1/me').expect(200);
    await on(b, user).get('/api/v1/me').expect(200);
    await onInstanceCutOff(() =>
      on(a, owner).delete(`/api/v1/sessions/${user.sessionId}`).expect(204),
    );
    expectProblem(await on(b, user).get('/api/v1/me'), 401);
    expect(await owedInvalidations(a.databaseUrl)).toBe(0);
  }, 30_000);

  it('a user deactivated on the cut-off instance is signed out on the other', async () => {
    const user = await createUser(a, owner, ['developer']);
    await on(b, user).get('/api/v1/me').expect(200);
    await onInstanceCutOff(() =>
      on(a, owner).post(`/api/v1/users/${user.id}/deactivate`).expect(200),
    );
    expectProblem(await on(b, user).get('/api/v1/me'), 401);
  }, 30_000);

  it('a role taken away on the cut-off instance is gone on the other', async () => {
    const user = await createUser(a, owner, ['compliance']);
    await on(b, user).get('/api/v1/roles/matrix').expect(200);
    await on(b, user).get('/api/v1/roles/matrix').expect(200);
    await onInstanceCutOff(() =>
      on(a, owner)
        .put(`/api/v1/users/${user.id}/roles`, { roles: ['user'] })
        .expect(200),
    );
    expectProblem(await on(b, user).get('/api/v1/roles/matrix'), 403);
  }, 30_000);

  it('an API key revoked on the cut-off instance is refused by the other', async () => {
    const user = await createUser(a, owner, ['developer']);
    const created = await on(a, user)
      .post('/api/v1/api-keys', { name: 'partition key' })
      .expect(201);
    const key = { auth: `Bearer ${created.body.key as string}` };
    await on(b, key).get('/api/v1/me').expect(200);
    await on(b, key).get('/api/v1/me').expect(200);
    await onInstanceCutOff(() =>
      on(a, user)
        .delete(`/api/v1/api-keys/${created.body.id as string}`)
        .expect(204),
    );
    expectProblem(await on(b, key).get('/api/v1/me'), 401);
  }, 30_000);
});
