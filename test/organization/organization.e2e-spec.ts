import { hash } from '@node-rs/argon2';
import { Client } from 'pg';
import { ManualClock } from '../support/manual-clock';
import { expectProblem } from '../support/problem';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Organization settings, roles matrix and session lifetimes', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('GET /organization shows every effective setting', async () => {
    const response = await t.http
      .get('/api/v1/organization')
      .set('authorization', owner.auth)
      .expect(200);
    expect(response.body).toMatchObject({
      slug: 'default',
      name: 'Default',
      settings: {
        allowRegistration: false,
        passwordMinLength: 8,
        accessTokenTtlSeconds: 900,
        auditRetentionDays: 365,
        ssoEnforced: false,
      },
    });
  });

  it('refuses a password minimum below 6 and unknown settings, changing nothing', async () => {
    expectProblem(
      await t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ settings: { passwordMinLength: 5 } }),
      400,
    );
    expectProblem(
      await t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ settings: { superUser: true } }),
      400,
    );
    const after = await t.http.get('/api/v1/organization').set('authorization', owner.auth);
    expect(after.body.settings.passwordMinLength).toBe(8);
  });

  it('audits a change of the password, token and passkey settings (their names are not secrets)', async () => {
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', owner.auth)
      .send({ settings: { passwordMinLength: 9, accessTokenTtlSeconds: 600, passkeySignIn: true } })
      .expect(200);
    const audit = await t.http
      .get('/api/v1/audit-events')
      .query({ action: 'organization.updated' })
      .set('authorization', owner.auth);
    expect(audit.body.items[0].changes).toEqual({
      'settings.passwordMinLength': { from: null, to: 9 },
      'settings.accessTokenTtlSeconds': { from: null, to: 600 },
      'settings.passkeySignIn': { from: null, to: true },
    });
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', owner.auth)
      .send({
        settings: { passwordMinLength: 8, accessTokenTtlSeconds: 900, passkeySignIn: false },
      })
      .expect(200);
  });

  it('applies the organization’s password minimum to new users', async () => {
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', owner.auth)
      .send({ settings: { passwordMinLength: 30 } })
      .expect(200);
    const short = await t.http
      .post('/api/v1/users')
      .set('authorization', owner.auth)
      .send({ username: 'shortpass', password: 'plum-tangerine-gazebo-42' });
    expectProblem(short, 422, 'Use at least 30 characters.');
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', owner.auth)
      .send({ settings: { passwordMinLength: 8 } })
      .expect(200);
  });

  it('refuses organization sign-up unless ALLOW_ORGANIZATION_SIGNUP is on', async () => {
    const response = await t.http.post('/api/v1/organizations').send({
      slug: 'newco',
      name: 'NewCo',
      owner: { username: 'boss', email: 'boss@newco.example', password: 'plum-tangerine-gazebo' },
    });
    expectProblem(response, 403, /ALLOW_ORGANIZATION_SIGNUP/);
  });

  it('serves the matrix as JSON and, for Accept: text/csv, as CSV', async () => {
    const json = await t.http
      .get('/api/v1/roles/matrix')
      .set('authorization', owner.auth)
      .expect(200);
    expect(json.body).toEqual(
      expect.arrayContaining([
        {
          subject: 'Organization',
          action: 'update',
          cells: expect.objectContaining({ owner: 'Y', it_admin: '-' }),
        },
      ]),
    );
    const csv = await t.http
      .get('/api/v1/roles/matrix')
      .set('authorization', owner.auth)
      .set('accept', 'text/csv')
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain(
      'attachment; filename="warden-permission-matrix.csv"',
    );
    expect(csv.text.split('\r\n')[0]).toBe(
      'subject,action,owner,security,compliance,it_admin,governance,developer,user',
    );
  });

  it('rehashes a password made with weaker argon2 parameters at the next sign-in', async () => {
    const user = await createUser(t, owner, ['user']);
    const weak = await hash(TEST_PASSWORD, {
      algorithm: 2,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    await db.query('update users set password_hash = $1 where id = $2', [weak, user.id]);
    expect((await login(t, 'default', user.username, TEST_PASSWORD)).status).toBe(200);
    const { rows } = await db.query<{ password_hash: string }>(
      'select password_hash from users where id = $1',
      [user.id],
    );
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('ends a session after its idle lifetime, and at its absolute lifetime whatever the refreshes', async () => {
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', owner.auth)
      .send({ settings: { sessionIdleTtlSeconds: 600, sessionAbsoluteTtlSeconds: 900 } })
      .expect(200);
    const user = await createUser(t, owner, ['user']);
    clock.advance(500);
    const refreshed = await t.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    clock.advance(500); // 1000 s after sign-in: past the absolute lifetime although refreshed 500 s ago
    expectProblem(
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: refreshed.body.refreshToken }),
      401,
    );
    expectProblem(
      await t.http.get('/api/v1/me').set('authorization', `Bearer ${refreshed.body.accessToken}`),
      401,
    );

    const idle = await createUser(t, owner, ['user']);
    clock.advance(601);
    expectProblem(await t.http.get('/api/v1/me').set('authorization', idle.auth), 401);
    expectProblem(
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: idle.refreshToken }),
      401,
    );
  });

  it('lists sessions filtered by user', async () => {
    const fresh = await signInOwner(t);
    const user = await createUser(t, fresh, ['user']);
    const response = await t.http
      .get(`/api/v1/sessions?userId=${user.id}&status=active`)
      .set('authorization', fresh.auth)
      .expect(200);
    expect(response.body.items).toHaveLength(1);
    expect(response.body.items[0]).toMatchObject({
      id: user.sessionId,
      userId: user.id,
      method: 'password',
      current: false,
    });
    const own = await t.http
      .get(`/api/v1/sessions?userId=${fresh.id}&status=active`)
      .set('authorization', fresh.auth)
      .expect(200);
    expect(
      own.body.items.find((item: { id: string }) => item.id === fresh.sessionId),
    ).toMatchObject({ current: true });
    expectProblem(
      await t.http.get('/api/v1/sessions?userId=not-a-uuid').set('authorization', fresh.auth),
      400,
    );
  });
});

describe('First start without BOOTSTRAP_OWNER_PASSWORD', () => {
  it('prints a generated Owner password once, and it signs in', async () => {
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    // stdout is outside the system: watch what reaches it, and still let it through.
    const spy = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        printed.push(String(chunk));
        return write(chunk);
      });
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ env: { BOOTSTRAP_OWNER_PASSWORD: '' } });
      const line = printed.join('').match(/password: (\S+)/);
      expect(line).not.toBeNull();
      const password = line?.[1] ?? '';
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect((await login(t, 'default', 'owner', password)).status).toBe(200);
      expect((await t.settledLogs()).join('\n')).not.toContain(password);
    } finally {
      spy.mockRestore();
      await t?.close();
    }
  });
});
