import type { Browser, Page } from 'playwright-core';
import {
  consoleSignedInAs,
  launchChromium,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughConsole,
} from '../support/console-browser';
import { createUser, signInOwner, TEST_PASSWORD, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** Groups in the console, and a console that shows each role only what its rules allow. */
describe('Console: groups and what each role sees', () => {
  let t: TestApp;
  let browser: Browser;
  let owner: SignedIn;
  let itAdmin: SignedIn;
  let governance: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    owner = await signInOwner(t);
    itAdmin = await createUser(t, owner, ['it_admin'], { username: 'ita' });
    governance = await createUser(t, owner, ['governance'], { username: 'gov' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const consoleAs = (who: SignedIn, path: string) =>
    consoleSignedInAs(
      browser,
      t.baseUrl,
      { organization: t.config.bootstrap.orgSlug, username: who.username, password: TEST_PASSWORD },
      path,
    );

  async function expectAccessible(page: Page) {
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  }

  const groupNamed = async (name: string) => {
    const response = await t.http.get('/api/v1/groups').set('authorization', owner.auth);
    return (response.body.items as Array<{ id: string; name: string; roles: string[] }>).find(
      (group) => group.name === name,
    );
  };
  const memberNames = async (groupId: string) => {
    const response = await t.http
      .get(`/api/v1/groups/${groupId}/members`)
      .set('authorization', owner.auth);
    return (response.body.items as Array<{ username: string }>).map((user) => user.username);
  };

  it('an IT Admin creates a group with an inherited role, adds a member and removes them', async () => {
    const member = await createUser(t, owner, ['user'], { username: 'margaret' });
    const { page, context, problems } = await consoleAs(itAdmin, '/console/groups');
    await page.getByRole('link', { name: 'Create' }).click();
    await page.waitForURL('**/console/groups/create');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Platform');
    await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Runs the platform');
    await page.getByRole('checkbox', { name: 'Developer' }).check();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    const group = await groupNamed('Platform');
    expect(group?.roles).toEqual(['developer']);

    await page.getByRole('combobox', { name: 'Add a member' }).fill('marg');
    await page.getByRole('option', { name: 'margaret' }).click();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('margaret added.').waitFor();
    expect(await memberNames(group?.id ?? '')).toEqual(['margaret']);
    // The member inherits the group's role on their next request.
    const me = await t.http.get('/api/v1/me').set('authorization', member.auth);
    expect(me.body.roles).toEqual(expect.arrayContaining(['developer']));
    await expectAccessible(page);
    await screenshot(page, 'group-edit');

    await page.getByRole('button', { name: 'Remove margaret' }).click();
    await page.getByText('margaret removed.').waitFor();
    expect(await memberNames(group?.id ?? '')).toEqual([]);

    await page.getByRole('menuitem', { name: 'Groups' }).click();
    await page.getByRole('cell', { name: 'Platform', exact: true }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'groups');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('a Governance user sees people and groups, but no group management', async () => {
    const response = await t.http
      .post('/api/v1/groups')
      .set('authorization', owner.auth)
      .send({ name: 'Auditors' });
    const groupId = response.body.id as string;
    await t.http
      .post(`/api/v1/groups/${groupId}/members`)
      .set('authorization', owner.auth)
      .send({ userIds: [governance.id] });

    const { page, context, problems } = await consoleAs(governance, '/console/groups');
    await page.getByRole('cell', { name: 'Auditors', exact: true }).waitFor();
    await expect(page.getByRole('link', { name: 'Create' }).count()).resolves.toBe(0);
    await expectAccessible(page);

    await page.getByRole('cell', { name: 'Auditors', exact: true }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByRole('list', { name: 'Members' }).getByText('gov', { exact: true }).waitFor();
    await expect(page.getByRole('link', { name: 'Edit' }).count()).resolves.toBe(0);
    await expect(page.getByRole('combobox', { name: 'Add a member' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);

    // Typing the edit address does not offer the form either.
    await page.goto(`${t.baseUrl}/console/groups/${groupId}/edit`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signInThroughConsole(page, {
      organization: t.config.bootstrap.orgSlug,
      username: governance.username,
      password: TEST_PASSWORD,
    });
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'detached' });
    await page
      .getByText(/not authorized|access denied|unauthorized/i)
      .first()
      .waitFor();
    await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);

    // What Governance may do stays offered: reading people, and the users' screen.
    await page.getByRole('menuitem', { name: 'Users' }).click();
    await page.getByRole('cell', { name: 'owner', exact: true }).first().waitFor();
    await screenshot(page, 'governance-users');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
