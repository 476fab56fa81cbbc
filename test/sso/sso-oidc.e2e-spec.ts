import { Secret, TOTP } from 'otpauth';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { followIdpRedirects, TestIdp } from '../support/oidc-idp';
import { startTestApp, type TestApp } from '../support/test-app';
import { bindingCookieOf } from '../support/sso-browser';

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

  /** The binding cookie each started sign-in left in its browser, by the callback URL it leads to. */
  const browserCookies = new WeakMap<URL, string>();
  /** Browser → Warden authorize → IdP (login, consent) → back: the callback URL Warden would receive. */
  const throughIdp = async (connectionId: string, query = ''): Promise<URL> => {
    const start = await t.http
      .get(`/api/v1/auth/sso/${connectionId}/authorize${query}`)
      .expect(302);
    const callback = await followIdpRedirects(start.headers.location, idp.issuer);
    expect(callback.origin).toBe(PUBLIC_URL);
    browserCookies.set(callback, bindingCookieOf(start));
    return callback;
  };
  /** The same browser comes back to Warden's callback (its cookie goes along). */
  const callWarden = (callback: URL, cookie = browserCookies.get(callback)) => {
    const request = t.http.get(`${callback.pathname}${callback.search}`);
    return cookie === undefined ? request : request.set('cookie', cookie);
  };
  const signInWithSso = async (connectionId: string): Promise<Tokens> => {
    const response = await callWarden(await throughIdp(connectionId));
    if (response.status !== 200)
      throw new Error(`SSO sign-in: ${response.status} ${JSON.stringify(response.body)}`);
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body as Tokens;
  };
  const me = async (tokens: Tokens) => {
    const response = await t.http
      .get('/api/v1/me')
      .set('authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    const user = response.body.user as {
      id: string;
      username: string;
      email: string;
      roles: string[];
      displayName: string;
    };
    return { ...user, groupIds: response.body.groups as string[] };
  };
  const auditOf = async (query: string) =>
    (await as(owner).get(`/api/v1/audit-events?${query}&limit=200`).expect(200)).body
      .items as Array<{
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
            {
              claim: 'groups',
              value: 'engineering',
              roles: ['developer'],
              groupIds: [engineeringId],
            },
          ],
        })
        .expect(201);
    connection = (await create('Corp IdP', 'warden')).body;
    second = (await create('Partner IdP', 'warden-partner')).body;
    idp.configure([
      { clientId: 'warden', clientSecret: CLIENT_SECRET, redirectUris: [connection.callbackUrl] },
      {
        clientId: 'warden-partner',
        clientSecret: CLIENT_SECRET,
        redirectUris: [second.callbackUrl],
      },
    ]);
  });

  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  afterEach(() => idp.rewriteIdToken(undefined));

  it('provisions the user on first sign-in with the mapped roles and groups, and refreshes them on the next', async () => {
    idp.signInAs({
      sub: 'alice-0001',
      email: 'Alice@Corp.example',
      name: 'Alice Doe',
      groups: ['engineering', 'other'],
    });
    const first = await signInWithSso(connection.id);
    const alice = await me(first);
    expect(alice.email).toBe('alice@corp.example');
    expect(alice.displayName).toBe('Alice Doe');
    expect(alice.username).toBe('alice');
    expect([...alice.roles].sort()).toEqual(['developer', 'user']);
    expect(alice.groupIds).toEqual([engineeringId]);
    const session = await as(owner).get(`/api/v1/users/${alice.id}/sessions`).expect(200);
    expect(session.body.items.map((s: { method: string }) => s.method)).toEqual(['sso']);
    const provisioned = await auditOf(`targetId=${alice.id}&action=user.provisioned`);
    expect(provisioned).toHaveLength(1);
    expect(provisioned[0]?.changes).toMatchObject({
      roles: { to: ['user', 'developer'] },
      groups: { added: [engineeringId] },
    });
    const signIns = await auditOf(`targetId=${first.sessionId}&action=auth.loginSucceeded`);
    expect(signIns[0]).toMatchObject({ reason: 'sso', changes: { connectionId: connection.id } });

    idp.signInAs({
      sub: 'alice-0001',
      email: 'alice@corp.example',
      name: 'Alice Smith',
      groups: [],
    });
    const again = await signInWithSso(connection.id);
    const later = await me(again);
    expect(later.id).toBe(alice.id);
    expect(later.roles).toEqual(['user']);
    expect(later.groupIds).toEqual([]);
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

  it('refuses a callback whose state is unknown, or used once already', async () => {
    idp.signInAs({ sub: 'bob-0002', email: 'bob@corp.example', name: 'Bob' });
    const callback = await throughIdp(connection.id);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state-warden-issued');
    expectProblem(await callWarden(forged), 401, /single sign-on failed/i);
    // The genuine state was not consumed by the forgery; it works once, then never again.
    await callWarden(callback).expect(200);
    expectProblem(await callWarden(callback), 401);
    const failures = await auditOf(`targetId=${connection.id}&action=auth.loginFailed`);
    expect(failures.map((event) => event.reason)).toContain(
      'sso: unknown, expired or already used state',
    );
  });

  it('binds the sign-in to the browser that started it: a callback from any other browser is refused (login CSRF)', async () => {
    const start = await t.http.get(`/api/v1/auth/sso/${connection.id}/authorize`).expect(302);
    const cookie = start.headers['set-cookie'][0];
    expect(cookie).toMatch(
      /^warden_sso=[\w-]{43}; Max-Age=600; Path=\/api\/v1\/auth\/sso\/[\w-]+\/callback; HttpOnly; SameSite=Lax$/,
    );

    // An attacker signs in at the IdP and pushes the callback URL into a victim's browser.
    idp.signInAs({ sub: 'mallory-0666', email: 'mallory@corp.example', name: 'Mallory' });
    const attackers = await throughIdp(connection.id);
    const victimsCookie = bindingCookieOf(
      await t.http.get(`/api/v1/auth/sso/${connection.id}/authorize`).expect(302),
    );
    expectProblem(await callWarden(attackers, victimsCookie), 401, /single sign-on failed/i);
    const [latest] = await auditOf(`targetId=${connection.id}&action=auth.loginFailed`);
    expect(latest?.reason).toBe('sso: callback from a browser that did not start this sign-in');

    // Without any cookie, the same; nobody was provisioned.
    expectProblem(await callWarden(await throughIdp(connection.id), ''), 401);
    const users = await as(owner).get('/api/v1/users?q=mallory').expect(200);
    expect(users.body.items).toEqual([]);
  });

  it('refuses an ID token minted with another nonce or for another audience or issuer', async () => {
    idp.signInAs({ sub: 'carol-0003', email: 'carol@corp.example', name: 'Carol' });
    const cases: Array<
      [string, (claims: Record<string, unknown>) => Record<string, unknown>, RegExp]
    > = [
      ['nonce', (claims) => ({ ...claims, nonce: 'someone-elses-nonce' }), /nonce/],
      ['audience', (claims) => ({ ...claims, aud: 'another-client' }), /aud/],
      ['issuer', (claims) => ({ ...claims, iss: 'https://evil.example' }), /iss/],
    ];
    for (const [, rewrite, reason] of cases) {
      idp.rewriteIdToken(rewrite);
      expectProblem(await callWarden(await throughIdp(connection.id)), 401);
      const [latest] = await auditOf(`targetId=${connection.id}&action=auth.loginFailed`);
      expect(latest?.reason).toMatch(reason);
    }
    idp.rewriteIdToken(undefined);
    // Nothing was provisioned by the refused attempts.
    const users = await as(owner).get('/api/v1/users?q=carol').expect(200);
    expect(users.body.items).toEqual([]);
  });

  it('keys identities by connection and subject: the same subject at two connections is two people', async () => {
    idp.signInAs({ sub: 'shared-subject', email: 'dana@corp.example', name: 'Dana' });
    const atCorp = await me(await signInWithSso(connection.id));
    idp.signInAs({ sub: 'shared-subject', email: 'dana@partner.example', name: 'Dana P' });
    const atPartner = await me(await signInWithSso(second.id));
    expect(atPartner.id).not.toBe(atCorp.id);
    expect(atPartner.email).toBe('dana@partner.example');
  });

  it('two first sign-ins of the same person at once make one user', async () => {
    idp.signInAs({ sub: 'racer-0010', email: 'racer@corp.example', name: 'Racer' });
    const callbacks = [await throughIdp(connection.id), await throughIdp(connection.id)];
    const answers = await Promise.all(callbacks.map((callback) => callWarden(callback)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const ids = await Promise.all(
      answers.map(async (answer) => (await me(answer.body as Tokens)).id),
    );
    expect(ids[0]).toBe(ids[1]);
    const users = await as(owner).get('/api/v1/users?q=racer').expect(200);
    expect(users.body.items).toHaveLength(1);
  });

  it('never links by email: an address that belongs to an existing user is refused', async () => {
    const existing = await createUser(t, owner, ['user'], { username: 'edgar' });
    idp.signInAs({ sub: 'edgar-at-idp', email: existing.email ?? '', name: 'Not Edgar' });
    expectProblem(await callWarden(await throughIdp(connection.id)), 409, /already exists/);
    const [latest] = await auditOf(`targetId=${connection.id}&action=auth.loginFailed`);
    expect(latest?.reason).toBe('sso: email already belongs to another user');
    const sessions = await as(owner).get(`/api/v1/users/${existing.id}/sessions`).expect(200);
    expect(sessions.body.items.map((s: { method: string }) => s.method)).toEqual(['password']);
  });

  it('refuses a deactivated user', async () => {
    idp.signInAs({ sub: 'frank-0006', email: 'frank@corp.example', name: 'Frank' });
    const frank = await me(await signInWithSso(connection.id));
    await as(owner).post(`/api/v1/users/${frank.id}/deactivate`).expect(200);
    expectProblem(await callWarden(await throughIdp(connection.id)), 401);
    const [latest] = await auditOf(`targetId=${connection.id}&action=auth.loginFailed`);
    expect(latest?.reason).toBe('sso: user inactive');
  });

  it('leaves MFA to the IdP by default; with mfaForSso, an enrolled person completes SSO with their second factor', async () => {
    idp.signInAs({ sub: 'hugo-0008', email: 'hugo@corp.example', name: 'Hugo' });
    const first = await signInWithSso(connection.id);
    const auth = `Bearer ${first.accessToken}`;
    const started = await t.http
      .post('/api/v1/me/mfa/totp')
      .set('authorization', auth)
      .send({ name: 'Phone' });
    const secret = Secret.fromBase32(started.body.secret as string);
    const code = (steps: number) =>
      TOTP.generate({ secret, timestamp: Date.now() + steps * 30_000 });
    await t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', auth)
      .send({ code: code(0) })
      .expect(200);
    // Default: the IdP owns MFA, an enrolled person still gets tokens from SSO.
    expect((await signInWithSso(connection.id)).accessToken).toEqual(expect.any(String));

    await as(owner)
      .patch('/api/v1/organization', { settings: { mfaForSso: true } })
      .expect(200);
    try {
      const answer = await callWarden(await throughIdp(connection.id)).expect(200);
      expect(answer.body).toMatchObject({ mfaRequired: true });
      expect(answer.body.accessToken).toBeUndefined();
      const tokens = await t.http
        .post('/api/v1/auth/mfa/verify')
        .send({ challengeToken: answer.body.challengeToken, code: code(1) })
        .expect(200);
      const hugo = await me(tokens.body as Tokens);
      const sessions = await as(owner).get(`/api/v1/users/${hugo.id}/sessions`).expect(200);
      expect(sessions.body.items.map((s: { method: string }) => s.method)).toContain('sso+totp');
    } finally {
      await as(owner)
        .patch('/api/v1/organization', { settings: { mfaForSso: false } })
        .expect(200);
    }
  });

  it('redirects to the client page with a one-time code when the connection has a redirectUrl', async () => {
    await as(owner)
      .patch(`/api/v1/sso-connections/${second.id}`, {
        redirectUrl: 'https://app.example/sso/done',
      })
      .expect(200);
    idp.signInAs({ sub: 'gina-0007', email: 'gina@partner.example', name: 'Gina' });
    const answer = await callWarden(await throughIdp(second.id)).expect(303);
    const location = new URL(answer.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe('https://app.example/sso/done');
    const code = location.searchParams.get('code') ?? '';
    const tokens = await t.http.post('/api/v1/auth/sso/token').send({ code }).expect(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect((await me(tokens.body as Tokens)).email).toBe('gina@partner.example');
    expectProblem(await t.http.post('/api/v1/auth/sso/token').send({ code }), 400, /already used/);
    await as(owner)
      .patch(`/api/v1/sso-connections/${second.id}`, { redirectUrl: null })
      .expect(200);
  });

  it('started by the console, sends the browser to the console with a one-time code, whatever the redirectUrl', async () => {
    await as(owner)
      .patch(`/api/v1/sso-connections/${second.id}`, {
        redirectUrl: 'https://app.example/sso/done',
      })
      .expect(200);
    idp.signInAs({ sub: 'hana-0008', email: 'hana@partner.example', name: 'Hana' });
    const answer = await callWarden(await throughIdp(second.id, '?client=console')).expect(303);
    const location = new URL(answer.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${PUBLIC_URL}/console/sso-callback`);
    const code = location.searchParams.get('code') ?? '';
    const tokens = await t.http.post('/api/v1/auth/sso/token').send({ code }).expect(200);
    expect((await me(tokens.body as Tokens)).email).toBe('hana@partner.example');
    await as(owner)
      .patch(`/api/v1/sso-connections/${second.id}`, { redirectUrl: null })
      .expect(200);
    // Only the console is a known client: anything else is bad input, and no sign-in starts.
    expectProblem(
      await t.http.get(`/api/v1/auth/sso/${second.id}/authorize?client=https://evil.example`),
      400,
    );
  });

  it('lists an organization’s enabled connections for its sign-in page, names only', async () => {
    const listed = await t.http
      .get('/api/v1/auth/sso/connections')
      .query({ organization: 'default' })
      .expect(200);
    expect(listed.body.items).toEqual([
      {
        id: connection.id,
        name: 'Corp IdP',
        protocol: 'oidc',
        authorizeUrl: `${PUBLIC_URL}/api/v1/auth/sso/${connection.id}/authorize`,
      },
      {
        id: second.id,
        name: 'Partner IdP',
        protocol: 'oidc',
        authorizeUrl: `${PUBLIC_URL}/api/v1/auth/sso/${second.id}/authorize`,
      },
    ]);
    await as(owner).patch(`/api/v1/sso-connections/${second.id}`, { enabled: false }).expect(200);
    const enabledOnly = await t.http
      .get('/api/v1/auth/sso/connections?organization=default')
      .expect(200);
    expect(enabledOnly.body.items.map((item: { id: string }) => item.id)).toEqual([connection.id]);
    await as(owner).patch(`/api/v1/sso-connections/${second.id}`, { enabled: true }).expect(200);

    const unknown = await t.http.get('/api/v1/auth/sso/connections?organization=nobody');
    expect(unknown.status).toBe(200);
    expect(unknown.body.items).toEqual([]);
    expectProblem(await t.http.get('/api/v1/auth/sso/connections'), 400);
  });

  it('enforcement refuses password sign-in, except for whoever may fix SSO (break-glass)', async () => {
    const developer = await createUser(t, owner, ['developer']);
    await as(owner)
      .patch('/api/v1/organization', { settings: { ssoEnforced: true } })
      .expect(200);
    try {
      expectProblem(
        await login(t, t.config.bootstrap.orgSlug, developer.username, TEST_PASSWORD),
        403,
        /single sign-on only/,
      );
      const [latest] = await auditOf(`targetId=${developer.id}&action=auth.loginFailed`);
      expect(latest?.reason).toMatch(/enforces SSO/);
      // A wrong password still gets the ordinary 401 (enforcement reveals nothing without it).
      expectProblem(
        await login(t, t.config.bootstrap.orgSlug, developer.username, 'wrong-password'),
        401,
      );
      await signInOwner(t);
      idp.signInAs({ sub: 'hank-0008', email: 'hank@corp.example', name: 'Hank' });
      await signInWithSso(connection.id);
    } finally {
      await as(owner)
        .patch('/api/v1/organization', { settings: { ssoEnforced: false } })
        .expect(200);
    }
    expect(
      (await login(t, t.config.bootstrap.orgSlug, developer.username, TEST_PASSWORD)).status,
    ).toBe(200);
  });

  describe('connections', () => {
    it('keeps the client secret write-only and sealed at rest', async () => {
      const listed = await as(owner).get('/api/v1/sso-connections').expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(CLIENT_SECRET);
      expect(listed.body.items.find((c: { id: string }) => c.id === connection.id)).toMatchObject({
        protocol: 'oidc',
        oidc: { issuer: idp.issuer, clientId: 'warden', clientSecretSet: true },
        authorizeUrl: `${PUBLIC_URL}/api/v1/auth/sso/${connection.id}/authorize`,
      });
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      try {
        const rows = await db.query<{ sealed: string; whole: string }>(
          'select client_secret_sealed as sealed, row_to_json(c)::text as whole from sso_connections c',
        );
        expect(rows.rows.length).toBeGreaterThan(0);
        for (const row of rows.rows) {
          expect(row.sealed).toMatch(/^v1\./);
          expect(row.whole).not.toContain(CLIENT_SECRET);
        }
        const events = await db.query<{ text: string }>(
          "select string_agg(changes::text, ' ') as text from audit_events where action like 'ssoConnection.%'",
        );
        // Audit says a secret was set or replaced (the audit sanitiser drops any key
        // naming a secret, so the fact travels under a neutral name), never its value.
        expect(events.rows[0]?.text).toContain('"protocol": "oidc"');
        expect(events.rows[0]?.text).not.toContain(CLIENT_SECRET);
      } finally {
        await db.end();
      }
      expect((await t.settledLogs()).join('\n')).not.toContain(CLIENT_SECRET);
    });

    it('changing the secret keeps sign-in working only with the new one at the IdP', async () => {
      await as(owner)
        .patch(`/api/v1/sso-connections/${second.id}`, {
          oidc: { clientSecret: 'rotated-secret-123' },
        })
        .expect(200);
      idp.signInAs({ sub: 'ivan-0009', email: 'ivan@partner.example', name: 'Ivan' });
      expectProblem(await callWarden(await throughIdp(second.id)), 401);
      idp.configure([
        { clientId: 'warden', clientSecret: CLIENT_SECRET, redirectUris: [connection.callbackUrl] },
        {
          clientId: 'warden-partner',
          clientSecret: 'rotated-secret-123',
          redirectUris: [second.callbackUrl],
        },
      ]);
      await signInWithSso(second.id);
    });

    it('refuses issuers on internal networks the operator did not allow, and plain http elsewhere', async () => {
      for (const issuer of [
        'https://169.254.169.254/',
        'https://10.0.0.5/realms/corp',
        'https://[::1]:8443/',
        'http://8.8.8.8/',
      ]) {
        const response = await as(owner).post('/api/v1/sso-connections', {
          name: `bad ${issuer}`,
          protocol: 'oidc',
          oidc: { issuer, clientId: 'x', clientSecret: 'y' },
        });
        expectProblem(response, 422);
        expect(response.body.errors[0].field).toBe('oidc.issuer');
      }
    });

    it('refuses bad input with a problem and changes nothing', async () => {
      const before = (await as(owner).get('/api/v1/sso-connections').expect(200)).body.items.length;
      const bad: object[] = [
        { name: 'x', protocol: 'oidc' },
        {
          name: 'x',
          protocol: 'saml',
          oidc: { issuer: idp.issuer, clientId: 'a', clientSecret: 'b' },
        },
        { name: 'x', protocol: 'ldap' },
        {
          name: 'x',
          protocol: 'oidc',
          oidc: { issuer: idp.issuer, clientId: 'a', clientSecret: 'b' },
          defaultRoles: ['no_such_role'],
        },
        {
          name: 'x',
          protocol: 'oidc',
          oidc: { issuer: idp.issuer, clientId: 'a', clientSecret: 'b' },
          mappings: [
            { claim: 'groups', value: 'a', groupIds: ['6b1f8f5e-7c1e-4d55-9f52-0d6f8d8c1a11'] },
          ],
        },
        {
          name: 'Corp IdP',
          protocol: 'oidc',
          oidc: { issuer: idp.issuer, clientId: 'a', clientSecret: 'b' },
        },
        {
          name: 'x',
          protocol: 'saml',
          saml: {
            idpEntityId: 'a',
            ssoUrl: 'https://idp.example/sso',
            certificate: 'not a certificate',
          },
        },
        {
          name: 'x',
          protocol: 'saml',
          saml: { metadataXml: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
        },
      ];
      for (const body of bad) {
        const response = await as(owner).post('/api/v1/sso-connections', body);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      expectProblem(
        await as(owner).patch(`/api/v1/sso-connections/${connection.id}`, {
          saml: { idpEntityId: 'a' },
        }),
        400,
      );
      const after = (await as(owner).get('/api/v1/sso-connections').expect(200)).body.items.length;
      expect(after).toBe(before);
    });

    it('is for Owners only; another organization’s connection is not found', async () => {
      const itAdmin = await createUser(t, owner, ['it_admin']);
      expectProblem(await as(itAdmin).get('/api/v1/sso-connections'), 403);
      expectProblem(await as(itAdmin).get(`/api/v1/sso-connections/${connection.id}`), 403);
      expectProblem(
        await as(itAdmin).post('/api/v1/sso-connections', {
          name: 'mine',
          protocol: 'oidc',
          oidc: { issuer: idp.issuer, clientId: 'a', clientSecret: 'b' },
        }),
        403,
      );
      expectProblem(
        await as(owner).get('/api/v1/sso-connections/6b1f8f5e-7c1e-4d55-9f52-0d6f8d8c1a11'),
        404,
      );
      expectProblem(
        await t.http.get('/api/v1/auth/sso/6b1f8f5e-7c1e-4d55-9f52-0d6f8d8c1a11/authorize'),
        404,
      );
    });

    it('accepts form bodies only at the SAML callback', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .type('form')
        .send({ organization: 'default', login: 'owner', password: 'x' });
      expectProblem(response, 415);
    });

    it('a deleted connection no longer signs anyone in; its users stay', async () => {
      const doomed = (
        await as(owner)
          .post('/api/v1/sso-connections', {
            name: 'Doomed',
            protocol: 'oidc',
            oidc: { issuer: idp.issuer, clientId: 'warden', clientSecret: CLIENT_SECRET },
          })
          .expect(201)
      ).body.id as string;
      await as(owner).delete(`/api/v1/sso-connections/${doomed}`).expect(204);
      expectProblem(await t.http.get(`/api/v1/auth/sso/${doomed}/authorize`), 404);
      const events = await auditOf(`targetId=${doomed}`);
      expect(events.map((event) => event.action).sort()).toEqual([
        'ssoConnection.created',
        'ssoConnection.deleted',
      ]);
    });
  });
});
