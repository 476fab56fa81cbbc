import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import {
  launchChromium,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughConsole,
} from '../support/console-browser';
import { createUser, signInOwner, TEST_PASSWORD, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** The code an authenticator app shows for `secret`, `steps` 30 s steps from now. */
const codeFor = (secret: string, steps = 0) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

/** Sign-in journeys beyond the password: the second factor. */
describe('Console: signing in', () => {
  let t: TestApp;
  let browser: Browser;
  let owner: SignedIn;
  const organization = () => t.config.bootstrap.orgSlug;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    owner = await signInOwner(t);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A user with a confirmed authenticator app; returns its secret and recovery codes. */
  async function userWithAuthenticator() {
    const person = await createUser(t, owner, ['it_admin']);
    const started = await t.http
      .post('/api/v1/me/mfa/totp')
      .set('authorization', person.auth)
      .send({ name: 'Phone' });
    const secret = started.body.secret as string;
    const confirmed = await t.http
      .post(`/api/v1/me/mfa/totp/${started.body.factor.id}/confirm`)
      .set('authorization', person.auth)
      .send({ code: codeFor(secret) });
    expect(confirmed.status).toBe(200);
    return { person, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  it('asks for the authenticator code after the password; a wrong code is refused, the right one signs in', async () => {
    const { person, secret } = await userWithAuthenticator();
    const { context, page, problems } = await openConsole(browser, t.baseUrl, '/console/users');
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
      const tab = await openConsole(browser, t.baseUrl, '/console/');
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
