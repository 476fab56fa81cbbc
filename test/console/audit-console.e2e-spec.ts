import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import {
  consoleSignedInAs,
  launchChromium,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import { createUser, signInOwner, TEST_PASSWORD, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** An auditor's day in the console: read the trail, open an event's changes, export it, verify it. */
describe('Console: audit trail', () => {
  let t: TestApp;
  let browser: Browser;
  let owner: SignedIn;
  let auditor: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchChromium();
    owner = await signInOwner(t);
    auditor = await createUser(t, owner, ['compliance'], { username: 'auditor' });
    const subject = await createUser(t, owner, ['user'], { username: 'subject' });
    await t.http
      .put(`/api/v1/users/${subject.id}/roles`)
      .set('authorization', owner.auth)
      .send({ roles: ['developer'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function auditorConsole() {
    const tab = await consoleSignedInAs(
      browser,
      t.baseUrl,
      {
        organization: t.config.bootstrap.orgSlug,
        username: auditor.username,
        password: TEST_PASSWORD,
      },
      '/console/audit',
    );
    await tab.page.getByRole('cell', { name: 'user.rolesChanged' }).first().waitFor();
    return tab;
  }

  it('shows an event’s before and after, and exports the filtered trail as a file that parses', async () => {
    const { page, context, problems } = await auditorConsole();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('cell', { name: 'user.rolesChanged' }).first().click();
    const changes = page.getByRole('table', { name: 'Changes' });
    await changes.waitFor();
    const roles = changes.getByRole('row').filter({ hasText: 'roles' });
    await expect(roles.getByRole('cell').allInnerTexts()).resolves.toEqual([
      '["user"]',
      '["developer"]',
    ]);
    await screenshot(page, 'audit');

    await page.getByRole('textbox', { name: 'Action', exact: true }).fill('user.created');
    await page
      .getByRole('row')
      .filter({ hasText: 'user.rolesChanged' })
      .first()
      .waitFor({ state: 'detached' });
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const rows = parse<Record<string, string>>(await readFile(await download.path()), {
      columns: true,
    });
    const listed = await t.http
      .get('/api/v1/audit-events')
      .query({ action: 'user.created', limit: 200 })
      .set('authorization', auditor.auth);
    expect(rows.length).toBe(listed.body.items.length);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((row) => row.action))).toEqual(new Set(['user.created']));
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('verifies the trail and says it is valid', async () => {
    const { page, context } = await auditorConsole();
    await page.getByRole('button', { name: 'Verify' }).click();
    const answer = page.getByTestId('verification');
    await answer.waitFor();
    await expect(answer.innerText()).resolves.toMatch(/^valid: \d+ events checked/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'audit-verify');
    await context.close();
  }, 90_000);
});
