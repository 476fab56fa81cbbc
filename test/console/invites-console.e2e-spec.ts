import type { Browser } from 'playwright-core';
import {
  launchChromium,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
  signInThroughConsole,
} from '../support/console-browser';
import { BOOTSTRAP_PASSWORD, signInOwner, type SignedIn } from '../support/principals';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';

/** An invite from the console to a new colleague's first page in it, through real mail. */
describe('Console: invites', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let owner: SignedIn;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_BACKOFF_MS: '20' } });
    browser = await launchChromium();
    owner = await signInOwner(t);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  it('invite → the mail arrives → the invited person accepts in the console and is signed in', async () => {
    const admin = await openConsole(browser, t.baseUrl, '/console/invites/create');
    await signInThroughConsole(admin.page, {
      organization: t.config.bootstrap.orgSlug,
      username: 'owner',
      password: BOOTSTRAP_PASSWORD,
    });
    await admin.page.getByRole('textbox', { name: 'Email', exact: true }).fill('hedy@example.com');
    await admin.page
      .getByRole('textbox', { name: 'Display name', exact: true })
      .fill('Hedy Lamarr');
    await admin.page.getByRole('checkbox', { name: 'Developer' }).check();
    await admin.page.getByRole('checkbox', { name: 'User', exact: true }).uncheck();
    expect(await seriousAccessibilityViolations(admin.page)).toEqual([]);
    await admin.page.getByRole('button', { name: 'Save' }).click();
    await admin.page.getByRole('cell', { name: 'hedy@example.com', exact: true }).waitFor();

    await sink.waitFor(1);
    const mail = sink.messages.find((message) => message.to.includes('hedy@example.com'));
    if (mail === undefined) throw new Error('no invite mail to hedy@example.com');
    expect(mail.subject).toMatch(/invit/i);
    const link = SmtpSink.linkIn(mail);
    // The mail links to the console's own accept page (PUBLIC_URL/console/accept-invite).
    expect(link.pathname).toBe('/console/accept-invite');

    // The list tells the admin the mail went out.
    await admin.page.getByRole('button', { name: 'Refresh' }).click();
    await admin.page.getByText('mail sent').waitFor();
    expect(await seriousAccessibilityViolations(admin.page)).toEqual([]);
    await screenshot(admin.page, 'invites');

    const invited = await openConsole(browser, t.baseUrl, `${link.pathname}${link.search}`);
    await invited.page.getByRole('heading', { name: 'Join your organization on Warden' }).waitFor();
    expect(await seriousAccessibilityViolations(invited.page)).toEqual([]);
    await invited.page.getByLabel('Username').fill('hedy');
    await invited.page.getByLabel('Password').fill('frequency-hopping-1942');
    await invited.page.getByRole('button', { name: 'Accept invite' }).click();
    // Signed in straight away: the console opens on the people they may see.
    await invited.page.getByRole('cell', { name: 'owner', exact: true }).first().waitFor();
    await invited.page.getByRole('button', { name: /Account: Hedy Lamarr/ }).waitFor();

    const users = await t.http
      .get('/api/v1/users')
      .query({ q: 'hedy' })
      .set('authorization', owner.auth);
    expect(users.body.items).toEqual([
      expect.objectContaining({
        username: 'hedy',
        email: 'hedy@example.com',
        roles: ['developer'],
      }),
    ]);
    const again = await t.http.post('/api/v1/invites/accept').send({
      token: link.searchParams.get('token'),
      username: 'hedy2',
      password: 'another-pass-1234',
    });
    expect(again.status).toBe(410);
    expect(invited.problems).toEqual([]);
    expect(admin.problems).toEqual([]);
    await invited.context.close();
    await admin.context.close();
  }, 90_000);
});
