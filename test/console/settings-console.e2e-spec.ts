import { consoleSuite, expectAccessible, screenshot } from '../support/console-browser';
import { BOOTSTRAP_PASSWORD, createUser, TEST_PASSWORD } from '../support/principals';

/** Organization settings and SSO connections in the console. */
describe('Console: organization settings and SSO connections', () => {
  const suite = consoleSuite();
  const consoleAs = suite.consoleAs;

  const organization = async () =>
    (await suite.t.http.get('/api/v1/organization').set('authorization', suite.owner.auth))
      .body as {
      name: string;
      settings: Record<string, unknown>;
    };

  it('the owner changes the name and settings; an out-of-range value is caught before saving', async () => {
    const before = await organization();
    const { page, context, problems } = await consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
      '/console/organization',
    );
    const length = page.getByRole('spinbutton', { name: 'Minimum password length' });
    await length.waitFor();
    expect(await length.inputValue()).toBe(String(before.settings.passwordMinLength));
    await expectAccessible(page);

    await length.fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/must be at least 6/i).waitFor();
    expect((await organization()).settings.passwordMinLength).toBe(
      before.settings.passwordMinLength,
    );

    const newLength = Number(before.settings.passwordMinLength) + 2;
    await length.fill(String(newLength));
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Acme Corporation');
    await page.getByRole('combobox', { name: 'Second factor required for' }).click();
    await page.getByRole('option', { name: 'Every role above User' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Element updated|saved/i).waitFor();
    const after = await organization();
    expect(after.name).toBe('Acme Corporation');
    expect(after.settings).toEqual({
      ...before.settings,
      passwordMinLength: newLength,
      mfaRequired: 'admins',
    });
    // Only what changed was sent, so only that is in the audit event.
    const audit = await suite.t.http
      .get('/api/v1/audit-events')
      .query({ action: 'organization.updated' })
      .set('authorization', suite.owner.auth);
    expect(Object.keys(audit.body.items[0].changes).sort()).toEqual([
      'name',
      'settings.mfaRequired',
      'settings.passwordMinLength',
    ]);
    await screenshot(page, 'organization');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('a Developer reads the settings without a way to change them', async () => {
    await createUser(suite.t, suite.owner, ['developer'], { username: 'dev' });
    const { page, context, problems } = await consoleAs(
      'dev',
      TEST_PASSWORD,
      '/console/organization',
    );
    const length = page.getByRole('spinbutton', { name: 'Minimum password length' });
    await length.waitFor();
    expect(await length.isEditable()).toBe(false);
    await expect(page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
