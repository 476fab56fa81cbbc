import type { Browser, Page } from 'playwright-core';
import {
  consoleSignedInAs,
  launchChromium,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughConsole,
} from '../support/console-browser';
import {
  BOOTSTRAP_PASSWORD,
  createUser,
  signIn,
  signInOwner,
  TEST_PASSWORD,
  type SignedIn,
} from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Admin journeys on the users screens, in Debian's Chromium against the real
 * API, PostgreSQL and Redis. Each journey asserts what the person sees and
 * what the API then holds.
 */
describe('Console: users', () => {
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

  const userByName = async (username: string) => {
    const response = await t.http
      .get('/api/v1/users')
      .query({ q: username })
      .set('authorization', owner.auth);
    return (response.body.items as Array<Record<string, unknown>>).find(
      (user) => user.username === username,
    );
  };

  /** The owner's console, signed in, on `path`. */
  const ownerConsole = (path = '/console/users') =>
    consoleSignedInAs(
      browser,
      t.baseUrl,
      { organization: organization(), username: 'owner', password: BOOTSTRAP_PASSWORD },
      path,
    );

  const row = (page: Page, username: string) =>
    page.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });

  async function expectAccessible(page: Page) {
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  }

  it('a deep link survives sign-in; an admin creates a user, who then signs in to their own console', async () => {
    const { page, context, problems } = await openConsole(browser, t.baseUrl, '/console/users');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'sign-in');

    await signInThroughConsole(page, {
      organization: organization(),
      username: 'owner',
      password: 'not-the-password',
    });
    await page
      .getByRole('alert')
      .filter({ hasText: /invalid/i })
      .waitFor();

    await page.getByLabel('Password').fill(BOOTSTRAP_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await row(page, 'owner').waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/users');
    await expectAccessible(page);
    await screenshot(page, 'users');

    await page.getByRole('link', { name: 'Create' }).click();
    await page.waitForURL('**/console/users/create');
    await page.getByRole('textbox', { name: 'Username', exact: true }).fill('ada');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('ada@example.com');
    await page.getByRole('textbox', { name: 'Display name', exact: true }).fill('Ada Lovelace');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(TEST_PASSWORD);
    // Only grantable roles are offered; an Owner may grant every built-in one.
    await page.getByRole('checkbox', { name: 'Developer' }).check();
    await page.getByRole('checkbox', { name: 'User', exact: true }).uncheck();
    await expectAccessible(page);
    await screenshot(page, 'user-create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Reset password' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'user-edit');

    const created = await userByName('ada');
    expect(created).toMatchObject({
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      roles: ['developer'],
      status: 'active',
    });

    const ada = await openConsole(browser, t.baseUrl, '/console/users');
    await signInThroughConsole(ada.page, {
      organization: organization(),
      username: 'ada',
      password: TEST_PASSWORD,
    });
    await ada.page.getByText('Ada Lovelace', { exact: true }).first().waitFor();
    await row(ada.page, 'owner').waitFor();
    expect(ada.problems).toEqual([]);
    // The one refused sign-in above, and nothing else: no CSP refusal, no uncaught error.
    expect(problems).toEqual([expect.stringMatching(/401/)]);
    await ada.context.close();
    await context.close();
  }, 90_000);

  it('works in a narrow window: the menu folds away, people stay readable and reachable', async () => {
    const tab = await openConsole(browser, t.baseUrl, '/console/users', {
      width: 400,
      height: 800,
    });
    await signInThroughConsole(tab.page, {
      organization: organization(),
      username: 'owner',
      password: BOOTSTRAP_PASSWORD,
    });
    await row(tab.page, 'owner').waitFor();
    // The sidebar is a drawer behind the menu button, not a column beside the list.
    await expect(tab.page.getByRole('menuitem', { name: 'Groups' }).isVisible()).resolves.toBe(
      false,
    );
    await tab.page
      .getByRole('button', { name: /open menu|menu/i })
      .first()
      .click();
    await tab.page.getByRole('menuitem', { name: 'Groups' }).click();
    await tab.page.waitForURL('**/console/groups');
    await tab.page.getByText('No Groups found').waitFor();
    await expectAccessible(tab.page);
    await screenshot(tab.page, 'narrow-groups');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 90_000);

  it('a promotion applies on the promoted person’s next request', async () => {
    const grace = await createUser(t, owner, ['user'], { username: 'grace' });
    const tab = await openConsole(browser, t.baseUrl, '/console/users');
    await signInThroughConsole(tab.page, {
      organization: organization(),
      username: grace.username,
      password: TEST_PASSWORD,
    });
    // The baseline reads only its own profile and creates nobody.
    await row(tab.page, 'grace').waitFor();
    await expect(row(tab.page, 'owner').count()).resolves.toBe(0);
    await expect(tab.page.getByRole('link', { name: 'Create' }).count()).resolves.toBe(0);

    const admin = await ownerConsole(`/console/users/${grace.id}`);
    await admin.page.getByRole('checkbox', { name: 'Developer' }).check();
    await admin.page.getByRole('button', { name: 'Save' }).click();
    await admin.page
      .getByText(/Element updated|updated/i)
      .first()
      .waitFor();
    expect((await userByName('grace'))?.roles).toEqual(expect.arrayContaining(['developer']));

    // Nothing re-signs her in: her next request sees everyone, and she may create users.
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    await tab.page.getByRole('button', { name: 'Refresh' }).click();
    await row(tab.page, 'owner').waitFor();
    await tab.page.getByRole('link', { name: 'Create' }).waitFor();
    await tab.context.close();
    await admin.context.close();
  }, 90_000);

  it('a password reset signs the person out everywhere; they sign in again where they were', async () => {
    const alan = await createUser(t, owner, ['developer'], { username: 'alan' });
    const tab = await openConsole(browser, t.baseUrl, `/console/users/${alan.id}`);
    await signInThroughConsole(tab.page, {
      organization: organization(),
      username: 'alan',
      password: TEST_PASSWORD,
    });
    await tab.page.getByRole('button', { name: 'Reset password' }).waitFor();

    const admin = await ownerConsole(`/console/users/${alan.id}`);
    await admin.page.getByRole('button', { name: 'Reset password' }).click();
    const dialog = admin.page.getByRole('dialog');
    await dialog.getByLabel('New password').fill('a-brand-new-passphrase-7');
    await expect(
      dialog.getByRole('checkbox', { name: 'Sign them out everywhere' }).isChecked(),
    ).resolves.toBe(true);
    await expectAccessible(admin.page);
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await admin.page.getByText(/every session of theirs is signed out/).waitFor();

    // Alan's next request is refused: back to sign-in, and after it, back on the same page.
    await tab.page.getByRole('button', { name: 'Refresh' }).click();
    await tab.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signInThroughConsole(tab.page, {
      organization: organization(),
      username: 'alan',
      password: 'a-brand-new-passphrase-7',
    });
    await tab.page.getByRole('button', { name: 'Reset password' }).waitFor();
    expect(new URL(tab.page.url()).pathname).toBe(`/console/users/${alan.id}`);
    const oldPassword = await t.http
      .post('/api/v1/auth/login')
      .send({ organization: organization(), login: 'alan', password: TEST_PASSWORD });
    expect(oldPassword.status).toBe(401);
    await tab.context.close();
    await admin.context.close();
  }, 90_000);

  it('deactivates and reactivates a user', async () => {
    const edsger = await createUser(t, owner, ['developer'], { username: 'edsger' });
    const admin = await ownerConsole(`/console/users/${edsger.id}`);
    await admin.page.getByRole('button', { name: 'Deactivate' }).click();
    await admin.page.getByText('edsger is deactivated; their sessions are revoked.').waitFor();
    expect((await userByName('edsger'))?.status).toBe('inactive');
    expect((await t.http.get('/api/v1/me').set('authorization', edsger.auth)).status).toBe(401);

    await admin.page.getByRole('button', { name: 'Activate' }).click();
    await admin.page.getByText('edsger is active again.').waitFor();
    expect((await userByName('edsger'))?.status).toBe('active');
    await signIn(t, organization(), 'edsger', TEST_PASSWORD);
    await admin.context.close();
  }, 90_000);

  it('bulk-deactivates three users and shows the result for each', async () => {
    const names = ['bulk-a', 'bulk-b', 'bulk-c'];
    for (const username of names) await createUser(t, owner, ['user'], { username });
    const admin = await ownerConsole('/console/users?filter=%7B%22q%22%3A%22bulk-%22%7D');
    for (const username of names) {
      await row(admin.page, username).getByRole('checkbox').check();
    }
    await admin.page.getByRole('button', { name: 'Deactivate' }).click();
    const dialog = admin.page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    const results = dialog.getByTestId('bulk-result');
    await results.first().waitFor();
    await expect(results.allInnerTexts()).resolves.toEqual(
      expect.arrayContaining(names.map((name) => `${name}: done`)),
    );
    await expectAccessible(admin.page);
    await screenshot(admin.page, 'users-bulk-result');
    for (const username of names) expect((await userByName(username))?.status).toBe('inactive');
    await admin.context.close();
  }, 90_000);

  it('deletes a user who owns an application, handing it to another', async () => {
    const linus = await createUser(t, owner, ['developer'], { username: 'linus' });
    const application = await t.http
      .post('/api/v1/applications')
      .set('authorization', linus.auth)
      .send({ name: 'Kernel mirror' });
    expect(application.status).toBe(201);

    const admin = await ownerConsole(`/console/users/${linus.id}`);
    await admin.page.getByRole('button', { name: 'Delete' }).click();
    const dialog = admin.page.getByRole('dialog');
    // Without a new owner the API refuses, and the person reads why.
    await dialog.getByRole('button', { name: 'Delete permanently' }).click();
    await admin.page.getByText(/owns/i).first().waitFor();
    await dialog.getByLabel('Transfer ownership to').click();
    await admin.page.getByRole('option', { name: 'owner', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete permanently' }).click();
    await admin.page.getByText('linus is deleted.').waitFor();
    expect(new URL(admin.page.url()).pathname).toBe('/console/users');

    expect(await userByName('linus')).toBeUndefined();
    const moved = await t.http
      .get(`/api/v1/applications/${application.body.id}`)
      .set('authorization', owner.auth);
    expect(moved.body.ownerId).toBe(owner.id);
    await admin.context.close();
  }, 90_000);
});
