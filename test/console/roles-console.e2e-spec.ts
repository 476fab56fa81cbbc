import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import {
  consoleSuite,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import { BOOTSTRAP_PASSWORD, createUser, TEST_PASSWORD } from '../support/principals';

/** Roles and the permission matrix in the console, and the matrix's CSV. */
describe('Console: roles and the matrix', () => {
  const suite = consoleSuite();

  it('lists the roles with what the caller may grant, shows one, and downloads the matrix as CSV', async () => {
    const { page, context, problems } = await suite.consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
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
    const api = await suite.t.http
      .get('/api/v1/roles/matrix')
      .set('authorization', suite.owner.auth);
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

  it('creates a custom role from the permission grid, which then grants exactly that; edits and deletes it', async () => {
    const { page, context, problems } = await suite.consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
      '/console/roles/create',
    );
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByRole('textbox', { name: 'Key', exact: true }).fill('audit_reader');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Audit reader');
    const reach = async (permission: string, option: string) => {
      await page.getByRole('combobox', { name: permission, exact: true }).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    };
    await reach('AuditEvent read', 'All in the organization');
    await reach('AuditEvent export', 'All in the organization');
    await reach('Group read', 'Their own');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'role-create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Edit' }).waitFor();

    const stored = async () =>
      (
        (await suite.t.http.get('/api/v1/roles').set('authorization', suite.owner.auth))
          .body as Array<{
          key: string;
          permissions: Array<{ subject: string; action: string; scope?: string }>;
        }>
      ).find((role) => role.key === 'audit_reader');
    const brief = (permissions: Array<{ subject: string; action: string; scope?: string }> = []) =>
      permissions.map((p) => `${p.subject} ${p.action} ${p.scope ?? 'all'}`).sort();
    expect(brief((await stored())?.permissions)).toEqual([
      'AuditEvent export all',
      'AuditEvent read all',
      'Group read own',
    ]);

    // Held by someone, the role lets them read the trail and nothing it does not list.
    const reader = await createUser(suite.t, suite.owner, ['audit_reader'], { username: 'reader' });
    await suite.t.http.get('/api/v1/audit-events').set('authorization', reader.auth).expect(200);
    await suite.t.http
      .post('/api/v1/groups')
      .set('authorization', reader.auth)
      .send({ name: 'Nope' })
      .expect(403);

    // Edit: drop the export.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('combobox', { name: 'AuditEvent export', exact: true }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Key', exact: true }).isEditable()).toBe(false);
    await reach('AuditEvent export', '—');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Edit' }).waitFor();
    expect(brief((await stored())?.permissions)).toEqual(['AuditEvent read all', 'Group read own']);
    await suite.t.http
      .get('/api/v1/audit-events/export')
      .set('authorization', reader.auth)
      .expect(403);

    // Built-in roles offer no edit.
    await page.getByRole('menuitem', { name: 'Roles' }).click();
    await page.getByRole('cell', { name: 'owner', exact: true }).first().click();
    await page.getByRole('table', { name: 'Permissions' }).waitFor();
    await expect(page.getByRole('link', { name: 'Edit' }).count()).resolves.toBe(0);

    // Delete, once nobody holds it.
    await suite.t.http
      .put(`/api/v1/users/${reader.id}/roles`)
      .set('authorization', suite.owner.auth)
      .send({ roles: ['user'] })
      .expect(200);
    await page.getByRole('menuitem', { name: 'Roles' }).click();
    await page.getByRole('cell', { name: 'audit_reader', exact: true }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('cell', { name: 'owner', exact: true }).first().waitFor();
    expect(await stored()).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('an IT Admin creating a role finds what they do not hold disabled; the API refuses it too', async () => {
    const ita = await createUser(suite.t, suite.owner, ['it_admin'], { username: 'ita' });
    const { page, context, problems } = await suite.consoleAs(
      'ita',
      TEST_PASSWORD,
      '/console/roles/create',
    );
    const held = page.getByRole('combobox', { name: 'User read', exact: true });
    await held.waitFor();
    expect(await held.getAttribute('aria-disabled')).toBeNull();
    // IT Admins may not change the organization (docs/permissions.md), so they cannot hand it out.
    const notHeld = page.getByRole('combobox', { name: 'Organization update', exact: true });
    expect(await notHeld.getAttribute('aria-disabled')).toBe('true');
    const refused = await suite.t.http
      .post('/api/v1/roles')
      .set('authorization', ita.auth)
      .send({
        key: 'org_changer',
        name: 'Org changer',
        permissions: [{ subject: 'Organization', action: 'update' }],
      });
    expect(refused.status).toBe(403);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
