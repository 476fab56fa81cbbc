import { consoleSuite, expectAccessible, screenshot } from '../support/console-browser';
import { BOOTSTRAP_PASSWORD, createUser, TEST_PASSWORD } from '../support/principals';

/** Applications: assignments, policies, and the check-access tool answering as the API would. */
describe('Console: applications', () => {
  const suite = consoleSuite();
  const consoleAs = suite.consoleAs;

  const decide = async (userId: string, applicationId: string, action: string) => {
    const response = await suite.t.http
      .post('/api/v1/authz/check')
      .set('authorization', suite.owner.auth)
      .send({ checks: [{ userId, action, resource: { type: 'application', id: applicationId } }] });
    return response.body.results[0] as { allowed: boolean; reason: string };
  };

  it('creates an application, assigns it, adds allow and deny policies, and checks access', async () => {
    const ada = await createUser(suite.t, suite.owner, ['developer'], { username: 'ada' });
    const bob = await createUser(suite.t, suite.owner, ['developer'], { username: 'bob' });
    const { page, context, problems } = await consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
      '/console/applications',
    );

    await page.getByRole('link', { name: 'Create' }).click();
    // The list stays on screen while the form's code loads: wait for the form itself.
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Payroll');
    await page.getByRole('textbox', { name: 'Description', exact: true }).fill('Pays people');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    const applicationId = new URL(page.url()).pathname.split('/')[3];
    await page.getByText('No policies yet').waitFor();

    // Assign ada.
    await page.getByRole('combobox', { name: 'People' }).first().fill('ad');
    await page.getByRole('option', { name: 'ada' }).click();
    await page.getByRole('button', { name: 'Save assignments' }).click();
    await page.getByText('Assignments saved.').waitFor();
    const stored = await suite.t.http
      .get(`/api/v1/applications/${applicationId}`)
      .set('authorization', suite.owner.auth);
    expect(stored.body.assignments).toEqual({ userIds: [ada.id], groupIds: [] });

    // Developers may read; bob, by name, may not.
    const form = page.getByRole('form', { name: 'Add a policy' });
    await form.getByRole('textbox', { name: 'Policy name' }).fill('Developers read');
    await form.getByRole('textbox', { name: 'Actions' }).fill('read, list');
    await form.getByRole('combobox', { name: 'Roles' }).click();
    await page.getByRole('option', { name: 'Developer' }).click();
    await form.getByRole('button', { name: 'Add policy' }).click();
    await page.getByText('Policy added.').waitFor();
    await page.getByRole('cell', { name: 'Developers read', exact: true }).waitFor();

    await form.getByRole('textbox', { name: 'Policy name' }).fill('Not bob');
    await form.getByRole('radio', { name: 'Deny' }).check();
    await form.getByRole('textbox', { name: 'Actions' }).fill('*');
    await form.getByRole('combobox', { name: 'People' }).fill('bo');
    await page.getByRole('option', { name: 'bob' }).click();
    await form.getByRole('button', { name: 'Add policy' }).click();
    await page.getByRole('cell', { name: 'Not bob', exact: true }).waitFor();
    const policies = await suite.t.http
      .get(`/api/v1/applications/${applicationId}/policies`)
      .set('authorization', suite.owner.auth);
    expect(
      (policies.body.items as Array<Record<string, unknown>>).map(
        ({ name, effect, actions, roles, users }) => ({
          name,
          effect,
          actions,
          roles,
          users,
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        {
          name: 'Developers read',
          effect: 'allow',
          actions: ['read', 'list'],
          roles: ['developer'],
          users: [],
        },
        { name: 'Not bob', effect: 'deny', actions: ['*'], roles: [], users: [bob.id] },
      ]),
    );
    await expectAccessible(page);
    await screenshot(page, 'application');

    // The tool answers what the decision API answers, with its reason.
    const checkForm = page.getByRole('form', { name: 'Check access' });
    const check = async (username: string, action: string) => {
      await checkForm.getByRole('combobox', { name: 'Person' }).fill(username);
      await page.getByRole('option', { name: username, exact: true }).click();
      await checkForm.getByRole('textbox', { name: 'Action' }).fill(action);
      await checkForm.getByRole('button', { name: 'Check' }).click();
      const answer = page.getByRole('alert').filter({ hasText: /^(Allowed|Denied):/ });
      await answer.waitFor();
      const text = (await answer.textContent()) ?? '';
      await checkForm.getByRole('combobox', { name: 'Person' }).clear();
      return text;
    };
    const adaReads = await decide(ada.id, applicationId, 'read');
    expect(adaReads.allowed).toBe(true);
    expect(await check('ada', 'read')).toBe(`Allowed: ${adaReads.reason}`);
    const bobReads = await decide(bob.id, applicationId, 'read');
    expect(bobReads.allowed).toBe(false);
    expect(await check('bob', 'read')).toBe(`Denied: ${bobReads.reason}`);

    // Deleting a policy: bob's deny is gone, so the developers' allow decides for him too.
    await page.getByRole('button', { name: 'Delete policy Not bob' }).click();
    await page.getByText('Policy Not bob deleted.').waitFor();
    expect((await decide(bob.id, applicationId, 'read')).allowed).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('a person assigned to an application sees it without the means to change it', async () => {
    const carol = await createUser(suite.t, suite.owner, ['user'], { username: 'carol' });
    const created = await suite.t.http
      .post('/api/v1/applications')
      .set('authorization', suite.owner.auth)
      .send({ name: 'Wiki' });
    await suite.t.http
      .put(`/api/v1/applications/${created.body.id}/assignments`)
      .set('authorization', suite.owner.auth)
      .send({ userIds: [carol.id], groupIds: [] });

    const { page, context, problems } = await consoleAs(
      'carol',
      TEST_PASSWORD,
      '/console/applications',
    );
    await page.getByRole('cell', { name: 'Wiki', exact: true }).click();
    await page.getByRole('heading', { name: 'Assigned to' }).waitFor();
    await page.getByText('People: carol').waitFor();
    await expect(page.getByRole('button', { name: 'Save assignments' }).count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Policies' }).count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Edit' }).count()).resolves.toBe(0);
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
