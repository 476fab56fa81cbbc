import { expectProblem } from '../support/problem';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { SoftwareAuthenticator } from '../support/software-authenticator';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Passkeys (WebAuthn) as a second factor', () => {
  let t: TestApp;
  let owner: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
  });
  afterAll(() => t.close());

  async function registerPasskey(who: SignedIn, authenticator: SoftwareAuthenticator) {
    const options = await t.http
      .post('/api/v1/me/mfa/webauthn/registration-options')
      .set('authorization', who.auth);
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({
      rp: { id: new URL(t.config.publicUrl).hostname },
      attestation: 'none',
      authenticatorSelection: { userVerification: 'required' },
    });
    return t.http
      .post('/api/v1/me/mfa/webauthn')
      .set('authorization', who.auth)
      .send({
        name: 'Laptop',
        response: authenticator.register(options.body as { challenge: string }),
      });
  }

  async function passwordStep(who: SignedIn): Promise<string> {
    const response = await login(t, 'default', who.username, TEST_PASSWORD);
    expect(response.body).toMatchObject({ mfaRequired: true });
    expect(response.body.methods).toContain('webauthn');
    return response.body.challengeToken as string;
  }

  it('registers a passkey with a software authenticator, then signs in with it; a replayed assertion fails', async () => {
    const ada = await createUser(t, owner, ['developer']);
    const authenticator = new SoftwareAuthenticator(t.config.publicUrl);
    const registered = await registerPasskey(ada, authenticator);
    expect(registered.status).toBe(201);
    expect(registered.body.factor).toMatchObject({
      type: 'webauthn',
      name: 'Laptop',
      confirmed: true,
    });
    expect(registered.body.recoveryCodes).toHaveLength(10);

    const challengeToken = await passwordStep(ada);
    const options = await t.http.post('/api/v1/auth/mfa/webauthn/options').send({ challengeToken });
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toEqual([
      expect.objectContaining({ id: authenticator.credentialId.toString('base64url') }),
    ]);
    const assertion = authenticator.authenticate(options.body as { challenge: string });
    const signedIn = await t.http
      .post('/api/v1/auth/mfa/verify')
      .send({ challengeToken, webauthn: assertion });
    expect(signedIn.status).toBe(200);
    const sessions = await t.http
      .get('/api/v1/sessions')
      .set('authorization', `Bearer ${signedIn.body.accessToken as string}`);
    expect(
      sessions.body.items.find((s: { id: string }) => s.id === signedIn.body.sessionId),
    ).toMatchObject({
      method: 'password+webauthn',
    });

    // The same assertion again (a new password step, the old challenge): refused.
    const again = await passwordStep(ada);
    await t.http.post('/api/v1/auth/mfa/webauthn/options').send({ challengeToken: again });
    expectProblem(
      await t.http
        .post('/api/v1/auth/mfa/verify')
        .send({ challengeToken: again, webauthn: assertion }),
      401,
    );
  });

  it('refuses an assertion made for another origin (phishing) or by another key', async () => {
    const bob = await createUser(t, owner, ['user']);
    const authenticator = new SoftwareAuthenticator(t.config.publicUrl);
    expect((await registerPasskey(bob, authenticator)).status).toBe(201);

    const phished = await passwordStep(bob);
    const options = await t.http
      .post('/api/v1/auth/mfa/webauthn/options')
      .send({ challengeToken: phished });
    const fromPhishingSite = authenticator.authenticate(
      options.body as { challenge: string },
      'https://warden.evil.example',
    );
    expectProblem(
      await t.http
        .post('/api/v1/auth/mfa/verify')
        .send({ challengeToken: phished, webauthn: fromPhishingSite }),
      401,
    );

    const stranger = new SoftwareAuthenticator(t.config.publicUrl);
    const token = await passwordStep(bob);
    const more = await t.http
      .post('/api/v1/auth/mfa/webauthn/options')
      .send({ challengeToken: token });
    expectProblem(
      await t.http.post('/api/v1/auth/mfa/verify').send({
        challengeToken: token,
        webauthn: stranger.authenticate(more.body as { challenge: string }),
      }),
      401,
    );
    const events = await t.http
      .get(`/api/v1/audit-events?targetId=${bob.id}&action=auth.mfaFailed`)
      .set('authorization', owner.auth);
    const reasons = (events.body.items as Array<{ reason: string }>).map((event) => event.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/origin/i), 'unknown passkey']),
    );
  });

  it('refuses a registration answer that does not match the options', async () => {
    const carol = await createUser(t, owner, ['user']);
    const authenticator = new SoftwareAuthenticator('https://warden.evil.example');
    expectProblem(await registerPasskey(carol, authenticator), 422);
    expect(
      (await login(t, 'default', carol.username, TEST_PASSWORD)).body.accessToken,
    ).toBeDefined();
  });

  it('signs in with a passkey alone where the organization offers it; not elsewhere, not with a stranger’s key', async () => {
    const dora = await createUser(t, owner, ['user']);
    const authenticator = new SoftwareAuthenticator(t.config.publicUrl);
    expect((await registerPasskey(dora, authenticator)).status).toBe(201);
    const options = () =>
      t.http.post('/api/v1/auth/passkey/options').send({ organization: 'default' });
    expectProblem(await options(), 403);
    expectProblem(
      await t.http.post('/api/v1/auth/passkey/options').send({ organization: 'nowhere' }),
      403,
    );

    const setting = (passkeySignIn: boolean) =>
      t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ settings: { passkeySignIn } });
    expect((await setting(true)).status).toBe(200);
    try {
      const offered = await options();
      expect(offered.status).toBe(200);
      expect(offered.body.allowCredentials ?? []).toEqual([]); // discoverable: the passkey names its user
      const signedIn = await t.http.post('/api/v1/auth/passkey/verify').send({
        organization: 'default',
        ceremonyToken: offered.body.ceremonyToken,
        webauthn: authenticator.authenticate(offered.body as { challenge: string }),
      });
      expect(signedIn.status).toBe(200);
      const me = await t.http
        .get('/api/v1/me')
        .set('authorization', `Bearer ${signedIn.body.accessToken as string}`);
      expect(me.body.user.id).toBe(dora.id);
      const sessions = await t.http
        .get('/api/v1/sessions')
        .set('authorization', `Bearer ${signedIn.body.accessToken as string}`);
      expect(
        sessions.body.items.find((s: { id: string }) => s.id === signedIn.body.sessionId),
      ).toMatchObject({
        method: 'passkey',
      });

      const stranger = new SoftwareAuthenticator(t.config.publicUrl);
      const next = await options();
      expectProblem(
        await t.http.post('/api/v1/auth/passkey/verify').send({
          organization: 'default',
          ceremonyToken: next.body.ceremonyToken,
          webauthn: stranger.authenticate(next.body as { challenge: string }),
        }),
        401,
      );
      // A ceremony works once.
      expectProblem(
        await t.http.post('/api/v1/auth/passkey/verify').send({
          organization: 'default',
          ceremonyToken: offered.body.ceremonyToken,
          webauthn: authenticator.authenticate(offered.body as { challenge: string }),
        }),
        401,
      );
      const events = await t.http
        .get('/api/v1/audit-events?action=auth.loginFailed&limit=20')
        .set('authorization', owner.auth);
      expect((events.body.items as Array<{ reason: string }>).map((event) => event.reason)).toEqual(
        expect.arrayContaining([
          'passkey: unknown passkey',
          'passkey: no passkey ceremony waiting',
        ]),
      );
    } finally {
      expect((await setting(false)).status).toBe(200);
    }
  });
});
