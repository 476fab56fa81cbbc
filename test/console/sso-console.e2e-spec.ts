import type { Browser } from 'playwright-core';
import {
  launchChromium,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import { TestIdp } from '../support/oidc-idp';
import { signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

const CLIENT_SECRET = 'console-idp-secret-7d1e';

/**
 * Signing in to the console through an organization's OpenID provider (a real
 * oidc-provider in-process): the browser really goes to the IdP and back.
 */
describe('Console: single sign-on', () => {
  let t: TestApp;
  let browser: Browser;
  let idp: TestIdp;
  let owner: SignedIn;
  let connectionId: string;

  beforeAll(async () => {
    idp = await TestIdp.start();
    // The IdP sends the browser back to PUBLIC_URL's callback: it must be this app.
    t = await startTestApp({
      publicUrlIsBaseUrl: true,
      env: { SSO_ALLOWED_NETWORKS: '127.0.0.1/32' },
    });
    browser = await launchChromium();
    owner = await signInOwner(t);
    const created = await t.http
      .post('/api/v1/sso-connections')
      .set('authorization', owner.auth)
      .send({
        name: 'Corp IdP',
        protocol: 'oidc',
        oidc: { issuer: idp.issuer, clientId: 'warden-console', clientSecret: CLIENT_SECRET },
        mappings: [{ claim: 'email', value: 'dana@corp.example', roles: ['it_admin'] }],
      })
      .expect(201);
    connectionId = created.body.id;
    idp.configure([
      {
        clientId: 'warden-console',
        clientSecret: CLIENT_SECRET,
        redirectUris: [created.body.callbackUrl],
      },
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
  });

  it('offers the organization’s connection, goes to the IdP and back to the page asked for', async () => {
    idp.signInAs({ sub: 'dana-01', email: 'dana@corp.example', name: 'Dana Scully' });
    const { page, context, problems } = await openConsole(browser, t.baseUrl, '/console/groups');
    await page.getByRole('textbox', { name: 'Organization' }).fill(t.config.bootstrap.orgSlug);
    const button = page.getByRole('link', { name: 'Sign in with Corp IdP' });
    await button.waitFor();
    expect(await button.getAttribute('href')).toBe(
      `${t.baseUrl}/api/v1/auth/sso/${connectionId}/authorize?client=console`,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-sso');

    await button.click();
    // IdP → Warden's callback → the console's code exchange → the page asked for.
    await page.getByRole('button', { name: 'Account: Dana Scully' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/groups');
    // The mapping gave the IT Admin role: group management is offered.
    await page.getByRole('link', { name: 'Create' }).waitFor();
    const users = await t.http
      .get('/api/v1/users')
      .query({ q: 'dana' })
      .set('authorization', owner.auth);
    expect(users.body.items[0]).toMatchObject({ email: 'dana@corp.example' });
    expect(users.body.items[0].roles).toEqual(expect.arrayContaining(['it_admin']));
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('a used or made-up code brings the person back to sign-in with the reason', async () => {
    const { page, context } = await openConsole(
      browser,
      t.baseUrl,
      '/console/sso-callback?code=this-code-was-never-issued-by-warden',
    );
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      'The code is invalid, expired or already used.',
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Back to sign-in' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await context.close();
  }, 60_000);
});
