import type { Browser } from 'playwright-core';
import {
  consoleSignedInAs,
  launchChromium,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import {
  BOOTSTRAP_PASSWORD,
  createUser,
  signIn,
  signInOwner,
  TEST_PASSWORD,
  type SignedIn,
} from '../support/principals';
import { eventually } from '../support/eventually';
import { startTestApp, type TestApp } from '../support/test-app';

/** Sessions and API keys in the console: see them, end them, and a key's secret shown once. */
describe('Console: sessions and API keys', () => {
  let t: TestApp;
  let browser: Browser;
  let owner: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    owner = await signInOwner(t);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const ownerConsole = (path: string) =>
    consoleSignedInAs(
      browser,
      t.baseUrl,
      { organization: t.config.bootstrap.orgSlug, username: 'owner', password: BOOTSTRAP_PASSWORD },
      path,
    );

  it('filters sessions by user and revokes all of theirs; "my sessions" marks this one', async () => {
    const barbara = await createUser(t, owner, ['developer'], { username: 'barbara' });
    const second = await signIn(t, t.config.bootstrap.orgSlug, 'barbara', TEST_PASSWORD);
    const { page, context, problems } = await ownerConsole('/console/sessions');
    await page.getByRole('combobox', { name: 'User' }).fill('barb');
    await page.getByRole('option', { name: 'barbara' }).click();
    // The header and barbara's two sessions, nobody else's.
    await eventually(
      () => page.getByRole('row').count(),
      (rows) => rows === 3,
    );
    await expect(page.getByRole('row').filter({ hasText: 'owner' }).count()).resolves.toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sessions');

    await page.getByRole('button', { name: "Revoke all of this user's sessions" }).click();
    await page.getByText('Every session of this user is revoked.').waitFor();
    for (const session of [barbara, second]) {
      expect((await t.http.get('/api/v1/me').set('authorization', session.auth)).status).toBe(401);
    }

    await page.getByRole('button', { name: 'My sessions' }).click();
    await page.getByText('this one').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('creates a key whose secret is shown once, works, and stops working when revoked', async () => {
    const { page, context, problems } = await ownerConsole('/console/api-keys');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.baseUrl });
    await page.getByText('No API keys found').waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('deploy bot');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-key').innerText();
    expect(secret).toMatch(/^wdn_/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'api-keys');

    const me = await t.http.get('/api/v1/me').set('authorization', `Bearer ${secret}`);
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('owner');

    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('new-key').count()).resolves.toBe(0);
    // The list shows the key by its prefix only.
    await expect(page.getByText(secret).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Revoke the key deploy bot' }).click();
    await page.getByText(/The key deploy bot is revoked/).waitFor();
    expect((await t.http.get('/api/v1/me').set('authorization', `Bearer ${secret}`)).status).toBe(
      401,
    );
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
