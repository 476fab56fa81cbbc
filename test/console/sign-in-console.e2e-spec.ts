import { Secret, TOTP } from 'otpauth';
import {
  consoleSuite,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughConsole,
} from '../support/console-browser';
import { createUser, TEST_PASSWORD } from '../support/principals';

/** The code an authenticator app shows for `secret`, `steps` 30 s steps from now. */
const codeFor = (secret: string, steps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

/** Sign-in journeys beyond the password: the second factor. */
describe('Console: signing in', () => {
  const suite = consoleSuite();
  const organization = () => suite.t.config.bootstrap.orgSlug;

  /** A user with a confirmed authenticator app; returns its secret and recovery codes. */
  async function userWithAuthenticator() {
    const person = await createUser(suite.t, suite.owner, ['it_admin']);
    const started = await suite.t.http
      .post('/api/v1/me/mfa/totp')
      .set('authorization', person.auth)
      .send({ name: 'Phone' });
    const secret = started.body.secret as string;
    const confirmed = await suite.t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', person.auth)
      .send({ code: codeFor(secret) });
    expect(confirmed.status).toBe(200);
    return { person, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  it('asks for the authenticator code after the password; a wrong code is refused, the right one signs in', async () => {
    const { person, secret } = await userWithAuthenticator();
    const { context, page, problems } = await openConsole(
      suite.browser,
      suite.t.baseUrl,
      '/console/users',
    );
    const credentials = { organization: organization(), username: person.username };
    await signInThroughConsole(page, { ...credentials, password: TEST_PASSWORD });

    const codeInput = page.getByRole('textbox', { name: 'Code from your authenticator app' });
    await codeInput.waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-second-factor');
    const right = codeFor(secret, 1); // the enrolment used this step's code; a code works once
    await codeInput.fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The code is not valid.');

    await codeInput.fill(right);
    await page.getByRole('button', { name: 'Verify' }).click();
    // Back on the page asked for, as this person.
    await page.getByRole('button', { name: `Account: ${person.username}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/users');
    expect(problems.filter((problem) => !problem.includes('status of 4'))).toEqual([]);
    await context.close();
  });

  it('signs in with a recovery code instead, which then works no more', async () => {
    const { person, recoveryCodes } = await userWithAuthenticator();
    const credentials = { organization: organization(), username: person.username };
    const attempt = async () => {
      const tab = await openConsole(suite.browser, suite.t.baseUrl, '/console/');
      await signInThroughConsole(tab.page, { ...credentials, password: TEST_PASSWORD });
      await tab.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await tab.page.getByRole('textbox', { name: 'Recovery code' }).fill(recoveryCodes[0]);
      await tab.page.getByRole('button', { name: 'Verify' }).click();
      return tab;
    };

    const first = await attempt();
    await first.page.getByRole('button', { name: `Account: ${person.username}` }).waitFor();
    await first.context.close();

    const second = await attempt();
    await second.page.getByRole('alert').waitFor();
    expect(await second.page.getByRole('alert').textContent()).toContain('The code is not valid.');
    await second.context.close();
  });
});
