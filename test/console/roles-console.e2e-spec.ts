import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import {
  consoleSignedInAs,
  launchChromium,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import { BOOTSTRAP_PASSWORD, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** Roles and the permission matrix in the console, and the matrix's CSV. */
describe('Console: roles and the matrix', () => {
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

  it('lists the roles with what the caller may grant, shows one, and downloads the matrix as CSV', async () => {
    const { page, context, problems } = await consoleSignedInAs(
      browser,
      t.baseUrl,
      { organization: t.config.bootstrap.orgSlug, username: 'owner', password: BOOTSTRAP_PASSWORD },
      '/console/roles',
    );
    for (const key of [
      'owner',
      'security',
      'compliance',
      'it_admin',
      'governance',
      'developer',
      'user',
    ]) {
      await page.getByRole('cell', { name: key, exact: true }).waitFor();
    }
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('cell', { name: 'governance', exact: true }).click();
    const permissions = page.getByRole('table', { name: 'Permissions' });
    await permissions.getByRole('cell', { name: 'AccessReview' }).first().waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('menuitem', { name: 'Roles' }).click();
    await page.getByRole('button', { name: 'Permission matrix' }).click();
    const matrix = page.getByRole('table', { name: 'Permission matrix' });
    await matrix.getByRole('rowheader', { name: 'User create' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'matrix');

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const download = await downloading;
    const rows = parse<Record<string, string>>(await readFile(await download.path()), {
      columns: true,
    });
    const api = await t.http.get('/api/v1/roles/matrix').set('authorization', owner.auth);
    expect(rows).toHaveLength(api.body.length);
    expect(rows.find((row) => row.subject === 'User' && row.action === 'read')).toMatchObject({
      owner: 'Y',
      user: 'own',
    });
    // What the page shows is what the API says.
    await expect(matrix.getByRole('row').count()).resolves.toBe(api.body.length + 1);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
