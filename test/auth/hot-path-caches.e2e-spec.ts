import { PrincipalService } from '../../src/auth/principal.service';
import { RedisMirror } from '../../src/infra/redis/redis-mirror';
import { REVOKED_SESSION, sessionCacheKey } from '../../src/infra/redis/versions';
import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { type SecondInstance, startSecondInstanceBeside } from '../support/second-instance';
import { ManualClock } from '../support/manual-clock';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The hot path remembers verified access tokens, built principals and API
 * keys. None of that may outlive a change: each case warms the caches of both
 * instances with repeated requests, changes something on one, and expects the
 * very next request on either to see it.
 */
describe('What the hot path caches never outlives a revocation', () => {
  let a: TestApp;
  let b: SecondInstance;
  let owner: SignedIn;
  const clock = new ManualClock();

  beforeAll(async () => {
    a = await startTestApp({ clock });
    b = await startSecondInstanceBeside(a);
    owner = await signInOwner(a);
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.close();
  });

  /** Several reads on both instances: the token is verified once and served from the caches after. */
  async function warm(path: string, auth: string): Promise<void> {
    for (let i = 0; i < 3; i += 1) {
      await a.http.get(path).set('authorization', auth).expect(200);
      await b.http.get(path).set('authorization', auth).expect(200);
    }
  }

  it('a signed-out session fails at once with its cached token', async () => {
    const user = await createUser(a, owner, ['developer']);
    await warm(`/api/v1/users/${user.id}`, user.auth);
    await a.http.post('/api/v1/auth/logout').set('authorization', user.auth).expect(204);
    expectProblem(
      await a.http.get(`/api/v1/users/${user.id}`).set('authorization', user.auth),
      401,
    );
    expectProblem(
      await b.http.get(`/api/v1/users/${user.id}`).set('authorization', user.auth),
      401,
    );
  });

  it('a session snapshot loaded just before a revocation cannot bring the session back', async () => {
    const user = await createUser(a, owner, ['developer']);
    await warm(`/api/v1/users/${user.id}`, user.auth);
    const principals = a.app.get(PrincipalService);
    // What a request on another instance read from the database a moment before the revocation.
    const [loadedBefore] = await a.app.get(RedisMirror).read([sessionCacheKey(user.sessionId)]);
    expect(JSON.parse(loadedBefore ?? 'null')).toMatchObject({ revoked: false });
    await a.http
      .delete(`/api/v1/sessions/${user.sessionId}`)
      .set('authorization', owner.auth)
      .expect(204);
    // ...and stores once the revocation has committed and been announced.
    const store = (
      principals as unknown as { store(sessionId: string, snapshot: unknown): Promise<unknown> }
    ).store.bind(principals);
    expect(await store(user.sessionId, JSON.parse(loadedBefore ?? 'null'))).toBe(REVOKED_SESSION);
    expectProblem(
      await a.http.get(`/api/v1/users/${user.id}`).set('authorization', user.auth),
      401,
    );
    expectProblem(
      await b.http.get(`/api/v1/users/${user.id}`).set('authorization', user.auth),
      401,
    );
  });

  it('a role taken away applies at once with the same cached token', async () => {
    const user = await createUser(a, owner, ['compliance']);
    await warm('/api/v1/roles/matrix', user.auth);
    await a.http
      .put(`/api/v1/users/${user.id}/roles`)
      .set('authorization', owner.auth)
      .send({ roles: ['user'] })
      .expect(200);
    expectProblem(await a.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
    expectProblem(await b.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
  });

  it('a cached token does not vouch for a forged one that carries its signature', async () => {
    const user = await createUser(a, owner, ['developer']);
    await warm('/api/v1/me', user.auth);
    const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: owner.id })).toString('base64url');
    const token = `Bearer ${header}.${forged}.${signature}`;
    expectProblem(await a.http.get('/api/v1/me').set('authorization', token), 401);
    expectProblem(await b.http.get('/api/v1/me').set('authorization', token), 401);
  });

  describe('API keys', () => {
    async function keyOf(
      holder: SignedIn,
      body: object = {},
    ): Promise<{ id: string; auth: string }> {
      const created = await a.http
        .post('/api/v1/api-keys')
        .set('authorization', holder.auth)
        .send({ name: `hot path ${Math.random()}`, ...body })
        .expect(201);
      return { id: created.body.id as string, auth: `Bearer ${created.body.key as string}` };
    }

    it('a revoked key fails at once on both instances', async () => {
      const user = await createUser(a, owner, ['developer']);
      const key = await keyOf(user);
      await warm('/api/v1/me', key.auth);
      await a.http.delete(`/api/v1/api-keys/${key.id}`).set('authorization', user.auth).expect(204);
      expectProblem(await a.http.get('/api/v1/me').set('authorization', key.auth), 401);
      expectProblem(await b.http.get('/api/v1/me').set('authorization', key.auth), 401);
    });

    it('a deactivated owner’s key fails at once on both instances', async () => {
      const user = await createUser(a, owner, ['developer']);
      const key = await keyOf(user);
      await warm('/api/v1/me', key.auth);
      await a.http
        .post(`/api/v1/users/${user.id}/deactivate`)
        .set('authorization', owner.auth)
        .expect(200);
      expectProblem(await a.http.get('/api/v1/me').set('authorization', key.auth), 401);
      expectProblem(await b.http.get('/api/v1/me').set('authorization', key.auth), 401);
    });

    it('a key narrows with its owner’s roles at once', async () => {
      const user = await createUser(a, owner, ['compliance']);
      const key = await keyOf(user);
      await warm('/api/v1/roles/matrix', key.auth);
      await a.http
        .put(`/api/v1/users/${user.id}/roles`)
        .set('authorization', owner.auth)
        .send({ roles: ['user'] })
        .expect(200);
      expectProblem(await a.http.get('/api/v1/roles/matrix').set('authorization', key.auth), 403);
      expectProblem(await b.http.get('/api/v1/roles/matrix').set('authorization', key.auth), 403);
    });

    it('a key that expires while cached fails from its expiry on', async () => {
      const user = await createUser(a, owner, ['developer']);
      const expiresAt = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
      const key = await keyOf(user, { expiresAt });
      for (let i = 0; i < 3; i += 1) {
        await a.http.get('/api/v1/me').set('authorization', key.auth).expect(200);
      }
      clock.advance(10 * 60 + 1);
      expectProblem(await a.http.get('/api/v1/me').set('authorization', key.auth), 401);
    });
  });
});
