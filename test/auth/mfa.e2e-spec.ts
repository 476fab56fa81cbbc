import { Secret, TOTP } from 'otpauth';
import { expectProblem } from '../support/problem';
import { ManualClock } from '../support/manual-clock';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** A clock on a 30 s step boundary (plus 5 s), so "the next code" is unambiguous. */
const clock = new ManualClock(new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000));

/** The code an authenticator app shows for `secret`, `steps` steps after the clock's now. */
function codeFor(secret: string, steps = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    timestamp: clock.now().getTime() + steps * 30_000,
  });
}

describe('Multi-factor sign-in with TOTP and recovery codes', () => {
  let t: TestApp;
  let owner: SignedIn;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    owner = await signInOwner(t);
  });
  afterAll(() => t.close());

  /** Enrols an authenticator for `who`; returns its secret and the recovery codes. */
  async function enrol(who: SignedIn) {
    const started = await t.http
      .post('/api/v1/me/mfa/totp')
      .set('authorization', who.auth)
      .send({ name: 'Phone' });
    expect(started.status).toBe(201);
    const secret = started.body.secret as string;
    const confirmed = await t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', who.auth)
      .send({ code: codeFor(secret) });
    expect(confirmed.status).toBe(200);
    return {
      secret,
      factorId: started.body.factor.id as string,
      recoveryCodes: confirmed.body.recoveryCodes as string[],
    };
  }

  async function challenge(who: SignedIn): Promise<string> {
    const response = await login(t, 'default', who.username, TEST_PASSWORD);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ mfaRequired: true, methods: ['totp', 'recovery_code'] });
    expect(response.body.accessToken).toBeUndefined();
    return response.body.challengeToken as string;
  }

  const verify = (challengeToken: string, proof: { code?: string; recoveryCode?: string }) =>
    t.http.post('/api/v1/auth/mfa/verify').send({ challengeToken, ...proof });

  it('enrols with a code computed from the secret, then signs in with the next code; a code works once', async () => {
    const ada = await createUser(t, owner, ['developer']);
    const started = await t.http
      .post('/api/v1/me/mfa/totp')
      .set('authorization', ada.auth)
      .send({ name: 'Phone' });
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    // Not confirmed yet: it does not count at sign-in.
    expect((await login(t, 'default', ada.username, TEST_PASSWORD)).body.accessToken).toBeDefined();
    const wrong = await t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', ada.auth)
      .send({ code: '000000' === codeFor(started.body.secret as string) ? '111111' : '000000' });
    expectProblem(wrong, 422);
    const secret = started.body.secret as string;
    const confirmed = await t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', ada.auth)
      .send({ code: codeFor(secret) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(confirmed.body.factor).toMatchObject({ type: 'totp', name: 'Phone', confirmed: true });

    // The confirmation used this step's code: the same code cannot sign in.
    const first = await challenge(ada);
    expectProblem(await verify(first, { code: codeFor(secret) }), 401);
    const signedIn = await verify(first, { code: codeFor(secret, 1) });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.accessToken).toEqual(expect.any(String));
    const me = await t.http
      .get('/api/v1/me')
      .set('authorization', `Bearer ${signedIn.body.accessToken as string}`);
    expect(me.body.mfa).toEqual({
      enrolled: true,
      factors: [{ id: started.body.factor.id, type: 'totp', name: 'Phone' }],
    });
    const sessions = await t.http
      .get('/api/v1/sessions')
      .set('authorization', `Bearer ${signedIn.body.accessToken as string}`);
    expect(
      sessions.body.items.find((s: { id: string }) => s.id === signedIn.body.sessionId),
    ).toMatchObject({ method: 'password+totp' });
    // The challenge is used up, and the code with it.
    expectProblem(await verify(first, { code: codeFor(secret, 1) }), 401);
    expectProblem(await verify(await challenge(ada), { code: codeFor(secret, 1) }), 401);

    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${ada.id}&limit=100`)
      .set('authorization', owner.auth);
    const reasons = (events.body.items as Array<{ action: string; reason: string | null }>)
      .filter((event) => event.action === 'auth.mfaFailed')
      .map((event) => event.reason);
    expect(reasons).toEqual(expect.arrayContaining(['code already used']));
    expect(JSON.stringify(events.body)).not.toContain(secret);
    // ...nor in anything the app logged (requests, errors, audit), nor in recovery-code form.
    expect((await t.settledLogs()).some((line) => line.includes('/api/v1/me/mfa/totp'))).toBe(true); // requests are logged
    expect((await t.settledLogs()).join('\n')).not.toContain(secret);
    expect((await t.settledLogs()).join('\n')).not.toContain(
      confirmed.body.recoveryCodes[0] as string,
    );
    expect(
      JSON.stringify((await t.http.get('/api/v1/me/mfa').set('authorization', ada.auth)).body),
    ).not.toContain(secret);
  });

  it('locks the second factor after repeated wrong codes, apart from the password', async () => {
    const bob = await createUser(t, owner, ['user']);
    const { secret } = await enrol(bob);
    const token = await challenge(bob);
    const wrongCode = (n: number) =>
      String((Number(codeFor(secret, 1)) + 1 + n) % 1_000_000).padStart(6, '0');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectProblem(await verify(token, { code: wrongCode(attempt) }), 401);
    }
    // Locked: even the right code answers like a wrong one.
    expectProblem(await verify(token, { code: codeFor(secret, 1) }), 401);
    const users = await t.http.get(`/api/v1/users/${bob.id}`).set('authorization', owner.auth);
    expect(users.body.failedLoginAttempts).toBe(0); // the password count is untouched
    clock.advance(15 * 60 + 30);
    expect((await verify(await challenge(bob), { code: codeFor(secret) })).status).toBe(200);
  });

  it('accepts each recovery code once', async () => {
    const carol = await createUser(t, owner, ['user']);
    const { recoveryCodes } = await enrol(carol);
    const used = await verify(await challenge(carol), { recoveryCode: recoveryCodes[0] });
    expect(used.status).toBe(200);
    const me = await t.http
      .get('/api/v1/me/mfa')
      .set('authorization', `Bearer ${used.body.accessToken as string}`);
    expect(me.body.recoveryCodesLeft).toBe(9);
    expectProblem(await verify(await challenge(carol), { recoveryCode: recoveryCodes[0] }), 401);
    expectProblem(await verify(await challenge(carol), {}), 400);
  });

  it('removes a factor only with a current code or a fresh sign-in', async () => {
    const dave = await createUser(t, owner, ['user']);
    const { secret, factorId } = await enrol(dave);
    clock.advance(6 * 60);
    expectProblem(
      await t.http.delete(`/api/v1/me/mfa/${factorId}`).set('authorization', dave.auth).send({}),
      403,
    );
    const removed = await t.http
      .delete(`/api/v1/me/mfa/${factorId}`)
      .set('authorization', dave.auth)
      .send({ code: codeFor(secret) });
    expect(removed.status).toBe(204);
    expect(
      (await login(t, 'default', dave.username, TEST_PASSWORD)).body.accessToken,
    ).toBeDefined();
  });

  it('lets an admin see and reset a user’s factors: all removed, every session ended, audited', async () => {
    const erin = await createUser(t, owner, ['user']);
    await enrol(erin);
    const shown = await t.http.get(`/api/v1/users/${erin.id}`).set('authorization', owner.auth);
    expect(shown.body.mfaFactors).toEqual([{ type: 'totp', name: 'Phone' }]);
    const ids = async (hasMfa: string) =>
      (
        (
          await t.http
            .get(`/api/v1/users?hasMfa=${hasMfa}&limit=200`)
            .set('authorization', owner.auth)
        ).body.items as Array<{ id: string }>
      ).map((user) => user.id);
    expect(await ids('true')).toContain(erin.id);
    expect(await ids('false')).not.toContain(erin.id);
    expect(await ids('false')).toContain(owner.id);
    const listed = await t.http
      .get(`/api/v1/users/${erin.id}/mfa`)
      .set('authorization', owner.auth);
    expect(listed.body.factors).toEqual([
      expect.objectContaining({ type: 'totp', name: 'Phone', confirmed: true }),
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(/secret/i);
    // A plain User may not even see another user's factors.
    const frank = await createUser(t, owner, ['user']);
    expectProblem(
      await t.http.delete(`/api/v1/users/${erin.id}/mfa`).set('authorization', frank.auth),
      404,
    );
    expect(
      (await t.http.delete(`/api/v1/users/${erin.id}/mfa`).set('authorization', owner.auth)).status,
    ).toBe(204);
    expect((await t.http.get('/api/v1/me').set('authorization', erin.auth)).status).toBe(401);
    expect(
      (await login(t, 'default', erin.username, TEST_PASSWORD)).body.accessToken,
    ).toBeDefined();
    expect(await ids('true')).not.toContain(erin.id);
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${erin.id}&action=mfa.reset`)
      .set('authorization', owner.auth);
    expect(events.body.items[0]).toMatchObject({
      action: 'mfa.reset',
      changes: { removedFactors: 1, revokedSessions: 1 },
    });
  });

  it('keeps API keys away from enrolment', async () => {
    const key = await t.http
      .post('/api/v1/api-keys')
      .set('authorization', owner.auth)
      .send({ name: 'mine' });
    expectProblem(
      await t.http
        .post('/api/v1/me/mfa/totp')
        .set('authorization', `Bearer ${key.body.key as string}`)
        .send({ name: 'x' }),
      403,
    );
  });

  it('with mfaRequired=admins, forces an admin through enrolment and leaves a User alone; then everyone', async () => {
    const admin = await createUser(t, owner, ['it_admin']);
    const member = await createUser(t, owner, ['user']);
    const setting = (mfaRequired: string) =>
      t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ settings: { mfaRequired } });
    expect((await setting('admins')).status).toBe(200);
    try {
      const restricted = await login(t, 'default', admin.username, TEST_PASSWORD);
      expect(restricted.body).toMatchObject({ mfaEnrolmentRequired: true });
      const auth = `Bearer ${restricted.body.accessToken as string}`;
      // The enrolment-only session holds the baseline alone: no admin powers yet.
      const newUser = (username: string) =>
        t.http
          .post('/api/v1/users')
          .set('authorization', auth)
          .send({ username, password: 'plum-tangerine-gazebo-42', roles: ['user'] });
      expectProblem(await newUser('made-while-enrolling'), 403);
      expect((await t.http.get('/api/v1/me').set('authorization', auth)).status).toBe(200);
      const started = await t.http
        .post('/api/v1/me/mfa/totp')
        .set('authorization', auth)
        .send({ name: 'Phone' });
      expect(started.status).toBe(201);
      const confirmed = await t.http
        .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
        .set('authorization', auth)
        .send({ code: codeFor(started.body.secret as string) });
      expect(confirmed.status).toBe(200);
      // Enrolled: the same session now has the person's roles.
      expect((await t.http.get('/api/v1/users?limit=1').set('authorization', auth)).status).toBe(
        200,
      );
      // A User is not an admin: a normal session.
      const plain = await login(t, 'default', member.username, TEST_PASSWORD);
      expect(plain.body.mfaEnrolmentRequired).toBeUndefined();
      expect(plain.body.accessToken).toEqual(expect.any(String));

      expect((await setting('everyone')).status).toBe(200);
      const everyone = await login(t, 'default', member.username, TEST_PASSWORD);
      expect(everyone.body).toMatchObject({ mfaEnrolmentRequired: true });
    } finally {
      expect((await setting('off')).status).toBe(200);
    }
  });
});
