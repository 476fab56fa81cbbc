import { Client } from 'pg';
import { expectProblem } from './support/problem';
import { createUser, login, signInOwner, type SignedIn, TEST_PASSWORD } from './support/principals';
import { followIdpRedirects, TestIdp } from './support/oidc-idp';
import { startTestApp, type TestApp } from './support/test-app';

const PUBLIC_URL = 'http://warden.test';
const CLIENT_SECRET = 'idp-client-secret-4f2b9c';

interface Tokens {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

describe('SSO with OpenID Connect (a real provider in-process)', () => {
  let t: TestApp;
  let idp: TestIdp;
  let owner: SignedIn;
  let engineeringId: string;
  let connection: { id: string; callbackUrl: string };
  let second: { id: string; callbackUrl: string };

  const as = (who: SignedIn) => ({
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
    patch: (path: string, body: object) =>
      t.http.patch(path).set('authorization', who.auth).send(body),
    delete: (path: string) => t.http.delete(path).set('authorization', who.auth),
  });

  /** Browser → Warden authorize → IdP (login, consent) → back: the callback URL Warden would receive. */
  const throughIdp = async (connectionId: string): Promise<URL> => {
    const start = await t.http.get(`/api/v1/auth/sso/${connectionId}/authorize`).expect(302);
    const callback = await followIdpRedirects(start.headers.location as string, idp.issuer);
    expect(callback.origin).toBe(PUBLIC_URL);
    return callback;
  };
  const callWarden = (callback: URL) => t.http.get(`${callback.pathname}${callback.search}`);
  const signInWithSso = async (connectionId: string): Promise<Tokens> => {
    const response = await callWarden(await throughIdp(connectionId));
    if (response.status !== 200)
      throw new Error(`SSO sign-in: ${response.status} ${JSON.stringify(response.body)}`);
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body as Tokens;
  };
  const me = async (tokens: Tokens) =>
    (await t.http.get('/api/v1/me').set('authorization', `Bearer ${tokens.accessToken}`).expect(200))
      .body.user as { id: string; username: string; email: string; roles: string[]; groups: Array<{ id: string }>; displayName: string };
  const auditOf = async (query: string) =>
    (await as(owner).get(`/api/v1/audit-events?${query}&limit=200`).expect(200)).body.items as Array<{
      action: string;
      outcome: string;
      reason: string | null;
      target: { type: string; id: string | null };
      changes: Record<string, unknown> | null;
    }>;

  beforeAll(async () => {
    idp = await TestIdp.start();
    t = await startTestApp({
      env: { PUBLIC_URL, SSO_ALLOWED_NETWORKS: '127.0.0.1/32' },
    });
    owner = await signInOwner(t);
    engineeringId = (await as(owner).post('/api/v1/groups', { name: 'Engineering' }).expect(201))
      .body.id;
    const create = (name: string, clientId: string) =>
      as(owner)
        .post('/api/v1/sso-connections', {
          name,
          protocol: 'oidc',
          oidc: {
            issuer: idp.issuer,
            clientId,
            clientSecret: CLIENT_SECRET,
            scopes: ['openid', 'email', 'profile', 'groups'],
          },
          mappings: [
            { claim: 'groups', value: 'engineering', roles: ['developer'], groupIds: [engineeringId] },
          ],
        })
        .expect(201);
    connection = (await create('Corp IdP', 'warden')).body;
    second = (await create('Partner IdP', 'warden-partner')).body;
    idp.configure([
      { clientId: 'warden', clientSecret: CLIENT_SECRET, redirectUris: [connection.callbackUrl] },
      { clientId: 'warden-partner', clientSecret: CLIENT_SECRET, redirectUris: [second.callbackUrl] },
    ]);
  });

  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  afterEach(() => idp.rewriteIdToken(undefined));

  it('provisions the user on first sign-in with the mapped roles and groups, and refreshes them on the next', async () => {
    idp.signInAs({ sub: 'alice-0001', email: 'Alice@Corp.example', name: 'Alice Doe', groups: ['engineering', 'other'] });
    const first = await signInWithSso(connection.id);
    const alice = await me(first);
    expect(alice.email).toBe('alice@corp.example');
    expect(alice.displayName).toBe('Alice Doe');
    expect(alice.username).toBe('Alice');
    expect([...alice.roles].sort()).toEqual(['developer', 'user']);
    expect(alice.groups.map((group) => group.id)).toEqual([engineeringId]);
    const session = await as(owner).get(`/api/v1/users/${alice.id}/sessions`).expect(200);
    expect(session.body.items.map((s: { method: string }) => s.method)).toEqual(['sso']);
    const provisioned = await auditOf(`targetId=${alice.id}&action=user.provisioned`);
    expect(provisioned).toHaveLength(1);
    expect(provisioned[0]?.changes).toMatchObject({ roles: { to: ['user', 'developer'] }, groups: { added: [engineeringId] } });
    const signIns = await auditOf(`targetId=${first.sessionId}&action=auth.loginSucceeded`);
    expect(signIns[0]).toMatchObject({ reason: 'sso', changes: { connectionId: connection.id } });

    idp.signInAs({ sub: 'alice-0001', email: 'alice@corp.example', name: 'Alice Smith', groups: [] });
    const again = await signInWithSso(connection.id);
    const later = await me(again);
    expect(later.id).toBe(alice.id);
    expect(later.roles).toEqual(['user']);
    expect(later.groups).toEqual([]);
    expect(later.displayName).toBe('Alice Smith');
    const synced = await auditOf(`targetId=${alice.id}&action=user.ssoSynced`);
    expect(synced[0]?.changes).toMatchObject({
      roles: { from: ['user', 'developer'], to: ['user'] },
      groups: { added: [], removed: [engineeringId] },
    });
    // The first session learns of the lost role at once (no waiting for its token to expire).
    const stillFirst = await me(first);
    expect(stillFirst.roles).toEqual(['user']);
  });
});
