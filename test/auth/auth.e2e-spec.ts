import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import {
  BOOTSTRAP_PASSWORD,
  createUser,
  login,
  signIn,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Builds a JWT by hand, to forge what an attacker could send. */
function forge(header: object, payload: object, secret?: string): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  const signature =
    secret === undefined ? '' : createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

describe('Sign-in, tokens and sessions', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    organizationId = (await t.http.get('/api/v1/me').set('authorization', owner.auth)).body
      .organization.id;
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const auditReasons = async (action: string) =>
    (
      await db.query<{ reason: string }>(
        'select reason from audit_events where action = $1 order by seq',
        [action],
      )
    ).rows.map((row) => row.reason);

  describe('POST /api/v1/auth/login', () => {
    it('answers tokens that are never cached', async () => {
      const response = await login(t, 'default', 'owner', BOOTSTRAP_PASSWORD);
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.stringMatching(/^[\w-]{43}$/), // 256 random bits
        tokenType: 'Bearer',
        expiresIn: 900,
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    });

    it('accepts the email instead of the username, in any case', async () => {
      expect((await login(t, 'default', 'OWNER@example.com', BOOTSTRAP_PASSWORD)).status).toBe(200);
    });

    it('gives one and the same 401 for every failure, and the audit trail keeps the true reason', async () => {
      const inactive = await createUser(t, owner, ['user']);
      await t.http
        .post(`/api/v1/users/${inactive.id}/deactivate`)
        .set('authorization', owner.auth)
        .expect(200);
      const attempts = [
        await login(t, 'default', 'nobody-here', 'whatever-password'),
        await login(t, 'default', 'owner', 'not-the-password'),
        await login(t, 'default', inactive.username, TEST_PASSWORD),
        await login(t, 'no-such-org', 'owner', BOOTSTRAP_PASSWORD),
      ];
      for (const response of attempts) {
        expectProblem(response, 401, 'Invalid organization, login or password.');
      }
      expect(
        new Set(
          attempts.map((response) =>
            JSON.stringify({ ...response.body, requestId: undefined, instance: undefined }),
          ),
        ).size,
      ).toBe(1);
      expect(await auditReasons('auth.loginFailed')).toEqual(
        expect.arrayContaining(['unknown user', 'wrong password', 'user inactive']),
      );
    });

    it('records a successful sign-in with IP and user agent', async () => {
      await t.http
        .post('/api/v1/auth/login')
        .set('user-agent', 'audit-probe/1.0')
        .send({ organization: 'default', login: 'owner', password: BOOTSTRAP_PASSWORD })
        .expect(200);
      const { rows } = await db.query(
        'select * from audit_events where action = $1 and user_agent = $2',
        ['auth.loginSucceeded', 'audit-probe/1.0'],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor_type: 'user',
        actor_username: 'owner',
        outcome: 'success',
        ip: expect.stringMatching(/127\.0\.0\.1/),
      });
    });

    it('stores the password as argon2id with m=19456, t=2, p=1', async () => {
      const { rows } = await db.query<{ password_hash: string }>(
        "select password_hash from users where username = 'owner'",
      );
      expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });
  });

  describe('refresh rotation', () => {
    it('hands out a new pair and kills the old refresh token', async () => {
      const session = await signInOwner(t);
      const first = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body.refreshToken).not.toBe(session.refreshToken);
      expect(first.body.sessionId).toBe(session.sessionId);
      const next = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: first.body.refreshToken });
      expect(next.status).toBe(200);
    });

    it('revokes the whole session when a used refresh token comes back (reuse detection)', async () => {
      const session = await signInOwner(t);
      const rotated = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: session.refreshToken })
        .expect(200);
      const replay = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: session.refreshToken });
      expectProblem(replay, 401);
      // The thief's replay also ends the legitimate holder's tokens.
      expectProblem(
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }),
        401,
      );
      expectProblem(
        await t.http.get('/api/v1/me').set('authorization', `Bearer ${rotated.body.accessToken}`),
        401,
      );
      const { rows } = await db.query(
        'select reason from audit_events where action = $1 and target_id = $2',
        ['auth.refreshReused', session.sessionId],
      );
      expect(rows).toHaveLength(1);
    });

    it('refuses an unknown refresh token', async () => {
      expectProblem(
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: 'x'.repeat(43) }),
        401,
      );
    });
  });

  describe('access tokens', () => {
    const claims = () => ({
      sub: owner.id,
      sid: owner.sessionId,
      org: organizationId,
      token_use: 'access',
      iss: t.config.publicUrl,
      aud: 'warden-api',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const me = (token: string) => t.http.get('/api/v1/me').set('authorization', `Bearer ${token}`);

    it('work on the next request', async () => {
      const response = await me(owner.accessToken);
      expect(response.status).toBe(200);
      expect(response.body.user.username).toBe('owner');
    });

    it('work when hand-signed with the right secret and claims (the control for the forgeries below)', async () => {
      expect(
        (await me(forge({ alg: 'HS256', typ: 'at+jwt' }, claims(), t.config.jwtSecret))).status,
      ).toBe(200);
    });

    it.each([
      ['alg "none"', () => forge({ alg: 'none', typ: 'JWT' }, claims())],
      [
        'a wrong signature',
        () =>
          forge(
            { alg: 'HS256', typ: 'at+jwt' },
            claims(),
            'not-the-server-secret-not-the-server-secret',
          ),
      ],
      [
        'HS512 with the right secret',
        () => forge({ alg: 'HS512', typ: 'at+jwt' }, claims(), t.config.jwtSecret),
      ],
      [
        'an expired token',
        () =>
          forge(
            { alg: 'HS256' },
            { ...claims(), exp: Math.floor(Date.now() / 1000) - 10 },
            t.config.jwtSecret,
          ),
      ],
      [
        'a wrong audience',
        () =>
          forge(
            { alg: 'HS256', typ: 'at+jwt' },
            { ...claims(), aud: 'another-api' },
            t.config.jwtSecret,
          ),
      ],
      [
        'a wrong issuer',
        () =>
          forge(
            { alg: 'HS256', typ: 'at+jwt' },
            { ...claims(), iss: 'https://evil.example' },
            t.config.jwtSecret,
          ),
      ],
      [
        'a token that is not an access token',
        () =>
          forge(
            { alg: 'HS256', typ: 'at+jwt' },
            { ...claims(), token_use: 'id' },
            t.config.jwtSecret,
          ),
      ],
      [
        'a token whose header says it is not an access token',
        () => forge({ alg: 'HS256', typ: 'JWT' }, claims(), t.config.jwtSecret),
      ],
      ['a refresh token used as an access token', () => owner.refreshToken],
    ])('refuse %s with 401', async (_name, token) => {
      expectProblem(await me(token()), 401);
    });

    it('stop working once the session is revoked, at once', async () => {
      const session = await signInOwner(t);
      await me(session.accessToken).expect(200);
      await t.http
        .delete(`/api/v1/sessions/${session.sessionId}`)
        .set('authorization', owner.auth)
        .expect(204);
      expectProblem(await me(session.accessToken), 401);
    });

    it('stop working after logout', async () => {
      const session = await signInOwner(t);
      await t.http.post('/api/v1/auth/logout').set('authorization', session.auth).expect(204);
      expectProblem(await me(session.accessToken), 401);
      expectProblem(
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }),
        401,
      );
    });

    it('stop working for a deactivated user on their very next request', async () => {
      const user = await createUser(t, owner, ['developer']);
      await me(user.accessToken).expect(200);
      await t.http
        .post(`/api/v1/users/${user.id}/deactivate`)
        .set('authorization', owner.auth)
        .expect(200);
      expectProblem(await me(user.accessToken), 401);
      expectProblem(
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
        401,
      );
    });

    it('carry a role change on the next request with the same token', async () => {
      const user = await createUser(t, owner, ['user']);
      expectProblem(await t.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
      await t.http
        .put(`/api/v1/users/${user.id}/roles`)
        .set('authorization', owner.auth)
        .send({ roles: ['governance'] })
        .expect(200);
      expect(
        (await t.http.get('/api/v1/roles/matrix').set('authorization', user.auth)).status,
      ).toBe(200);
      await t.http
        .put(`/api/v1/users/${user.id}/roles`)
        .set('authorization', owner.auth)
        .send({ roles: ['user'] })
        .expect(200);
      expectProblem(await t.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
    });

    it('are refused without a bearer token', async () => {
      const response = await t.http.get('/api/v1/me');
      expectProblem(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe('self-service', () => {
    it('GET /me returns the user, organization, roles and CASL rules', async () => {
      const response = await t.http.get('/api/v1/me').set('authorization', owner.auth).expect(200);
      expect(response.body.organization).toMatchObject({ slug: 'default', name: 'Default' });
      expect(response.body.roles).toEqual(['owner']);
      expect(response.body.permissions).toEqual(
        expect.arrayContaining([expect.objectContaining({ action: 'manage', subject: 'User' })]),
      );
      expect(JSON.stringify(response.body)).not.toMatch(/argon2|passwordHash/);
    });

    it('PATCH /me changes the display name and nothing else', async () => {
      const user = await createUser(t, owner, ['user']);
      const response = await t.http
        .patch('/api/v1/me')
        .set('authorization', user.auth)
        .send({ displayName: 'Renamed Person' });
      expect(response.status).toBe(200);
      expect(response.body.displayName).toBe('Renamed Person');
      const escalation = await t.http
        .patch('/api/v1/me')
        .set('authorization', user.auth)
        .send({ roles: ['owner'], status: 'active' });
      expectProblem(escalation, 400);
    });

    it('PUT /me/password needs the current password, applies the policy and ends the other sessions', async () => {
      const user = await createUser(t, owner, ['user']);
      const other = await signIn(t, 'default', user.username, TEST_PASSWORD);
      expectProblem(
        await t.http
          .put('/api/v1/me/password')
          .set('authorization', user.auth)
          .send({ currentPassword: 'wrong-one-entirely', newPassword: 'a-brand-new-passphrase' }),
        422,
      );
      const weak = await t.http
        .put('/api/v1/me/password')
        .set('authorization', user.auth)
        .send({ currentPassword: TEST_PASSWORD, newPassword: 'password1' });
      expectProblem(weak, 422, /too common/);
      await t.http
        .put('/api/v1/me/password')
        .set('authorization', user.auth)
        .send({ currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-passphrase' })
        .expect(204);
      expectProblem(await t.http.get('/api/v1/me').set('authorization', other.auth), 401);
      await t.http.get('/api/v1/me').set('authorization', user.auth).expect(200);
      expect((await login(t, 'default', user.username, 'a-brand-new-passphrase')).status).toBe(200);
    });
  });

  describe('POST /api/v1/auth/register', () => {
    it('is refused with 403 while the organization does not allow it', async () => {
      const response = await t.http.post('/api/v1/auth/register').send({
        organization: 'default',
        username: 'newbie',
        email: 'newbie@example.com',
        password: 'plum-tangerine-gazebo',
      });
      expectProblem(response, 403);
    });

    it('creates a User and signs them in once the Owner allows it', async () => {
      await t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ settings: { allowRegistration: true } })
        .expect(200);
      const response = await t.http.post('/api/v1/auth/register').send({
        organization: 'default',
        username: 'newbie',
        email: 'newbie@example.com',
        password: 'plum-tangerine-gazebo',
      });
      expect(response.status).toBe(201);
      expect(response.body.user).toMatchObject({
        username: 'newbie',
        roles: ['user'],
        status: 'active',
      });
      await t.http
        .get('/api/v1/me')
        .set('authorization', `Bearer ${response.body.accessToken}`)
        .expect(200);
      const duplicate = await t.http.post('/api/v1/auth/register').send({
        organization: 'default',
        username: 'NEWBIE',
        email: 'other@example.com',
        password: 'plum-tangerine-gazebo',
      });
      expectProblem(duplicate, 409, 'Username already exists');
    });
  });
});
