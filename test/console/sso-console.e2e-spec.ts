import {
  consoleSuite,
  openConsole,
  screenshot,
  seriousAccessibilityViolations,
} from '../support/console-browser';
import { TestIdp } from '../support/oidc-idp';
import { IDP_CERT, IDP_ENTITY_ID, IDP_SSO_URL } from '../support/saml-idp';
import { BOOTSTRAP_PASSWORD } from '../support/principals';

const CLIENT_SECRET = 'console-idp-secret-7d1e';

/**
 * Signing in to the console through an organization's OpenID provider (a real
 * oidc-provider in-process): the browser really goes to the IdP and back.
 */
describe('Console: single sign-on', () => {
  // The IdP sends the browser back to PUBLIC_URL's callback: it must be this app.
  const suite = consoleSuite({
    publicUrlIsBaseUrl: true,
    env: { SSO_ALLOWED_NETWORKS: '127.0.0.1/32' },
  });
  let idp: TestIdp;
  let connectionId: string;
  let callbackUrl: string;

  beforeAll(async () => {
    idp = await TestIdp.start();
    const created = await suite.t.http
      .post('/api/v1/sso-connections')
      .set('authorization', suite.owner.auth)
      .send({
        name: 'Corp IdP',
        protocol: 'oidc',
        oidc: { issuer: idp.issuer, clientId: 'warden-console', clientSecret: CLIENT_SECRET },
        mappings: [{ claim: 'email', value: 'dana@corp.example', roles: ['it_admin'] }],
      })
      .expect(201);
    connectionId = created.body.id;
    callbackUrl = created.body.callbackUrl;
    idp.configure([
      { clientId: 'warden-console', clientSecret: CLIENT_SECRET, redirectUris: [callbackUrl] },
    ]);
  }, 60_000);
  afterAll(() => idp?.close());

  it('offers the organization’s connection, goes to the IdP and back to the page asked for', async () => {
    idp.signInAs({ sub: 'dana-01', email: 'dana@corp.example', name: 'Dana Scully' });
    const { page, context, problems } = await openConsole(
      suite.browser,
      suite.t.baseUrl,
      '/console/groups',
    );
    await page
      .getByRole('textbox', { name: 'Organization' })
      .fill(suite.t.config.bootstrap.orgSlug);
    const button = page.getByRole('link', { name: 'Sign in with Corp IdP' });
    await button.waitFor();
    expect(await button.getAttribute('href')).toBe(
      `${suite.t.baseUrl}/api/v1/auth/sso/${connectionId}/authorize?client=console`,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-sso');

    await button.click();
    // IdP → Warden's callback → the console's code exchange → the page asked for.
    await page.getByRole('button', { name: 'Account: Dana Scully' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/groups');
    // The mapping gave the IT Admin role: group management is offered.
    await page.getByRole('link', { name: 'Create' }).waitFor();
    const users = await suite.t.http
      .get('/api/v1/users')
      .query({ q: 'dana' })
      .set('authorization', suite.owner.auth);
    expect(users.body.items[0]).toMatchObject({ email: 'dana@corp.example' });
    expect(users.body.items[0].roles).toEqual(expect.arrayContaining(['it_admin']));
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('a used or made-up code brings the person back to sign-in with the reason', async () => {
    const { page, context } = await openConsole(
      suite.browser,
      suite.t.baseUrl,
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

  it('the owner adds an OIDC connection with a mapping rule; its callback URL is copied; people sign in through it', async () => {
    const engineering = await suite.t.http
      .post('/api/v1/groups')
      .set('authorization', suite.owner.auth)
      .send({ name: 'Engineering' })
      .expect(201);
    const { page, context, problems } = await suite.consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
      '/console/sso-connections',
    );
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: suite.t.baseUrl,
    });
    await page.getByRole('cell', { name: 'Corp IdP', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Engineering IdP');
    await page.getByRole('textbox', { name: 'Issuer' }).fill(idp.issuer);
    await page.getByRole('textbox', { name: 'Client id' }).fill('warden-engineering');
    await page.getByLabel('Client secret').fill(CLIENT_SECRET);
    await page.getByRole('textbox', { name: 'Scopes' }).fill('openid email profile groups');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('textbox', { name: 'Claim' }).fill('groups');
    await page.getByRole('textbox', { name: 'Value' }).fill('engineering');
    await page.getByRole('combobox', { name: 'Roles' }).click();
    await page.getByRole('option', { name: 'Developer' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('combobox', { name: 'Groups' }).click();
    await page.getByRole('option', { name: 'Engineering' }).click();
    await page.keyboard.press('Escape');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Copy the callback URL' }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const id = new URL(page.url()).pathname.split('/')[3];
    expect(copied).toBe(`${suite.t.baseUrl}/api/v1/auth/sso/${id}/callback`);
    await page
      .getByRole('table', { name: 'Mapping rules' })
      .getByText('engineering', { exact: true })
      .waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sso-connection');
    const stored = await suite.t.http
      .get(`/api/v1/sso-connections/${id}`)
      .set('authorization', suite.owner.auth)
      .expect(200);
    expect(stored.body).toMatchObject({
      name: 'Engineering IdP',
      protocol: 'oidc',
      enabled: true,
      defaultRoles: ['user'],
      oidc: {
        issuer: idp.issuer,
        clientId: 'warden-engineering',
        scopes: ['openid', 'email', 'profile', 'groups'],
        clientSecretSet: true,
      },
      mappings: [
        {
          claim: 'groups',
          value: 'engineering',
          roles: ['developer'],
          groupIds: [engineering.body.id],
        },
      ],
    });
    expect(problems).toEqual([]);
    await context.close();

    // The IdP administrator registers the copied URL; someone in "engineering" signs in.
    idp.configure([
      { clientId: 'warden-console', clientSecret: CLIENT_SECRET, redirectUris: [callbackUrl] },
      { clientId: 'warden-engineering', clientSecret: CLIENT_SECRET, redirectUris: [copied] },
    ]);
    idp.signInAs({
      sub: 'eve-01',
      email: 'eve@corp.example',
      name: 'Eve Engineer',
      groups: ['engineering'],
    });
    const person = await openConsole(suite.browser, suite.t.baseUrl, '/console/');
    await person.page.getByRole('link', { name: 'Sign in with Engineering IdP' }).click();
    await person.page.getByRole('button', { name: 'Account: Eve Engineer' }).waitFor();
    const eve = await suite.t.http
      .get('/api/v1/users')
      .query({ q: 'eve@corp.example' })
      .set('authorization', suite.owner.auth);
    expect(eve.body.items[0].roles).toEqual(expect.arrayContaining(['developer', 'user']));
    expect(eve.body.items[0].groups).toEqual([
      expect.objectContaining({ id: engineering.body.id }),
    ]);
    await person.context.close();
  }, 90_000);

  it('the owner adds a SAML connection and reads what the IdP needs: ACS URL and entity id', async () => {
    const { page, context, problems } = await suite.consoleAs(
      'owner',
      BOOTSTRAP_PASSWORD,
      '/console/sso-connections/create',
    );
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Corp SAML');
    await page.getByRole('radio', { name: 'SAML 2.0' }).check();
    await page.getByRole('textbox', { name: 'IdP entity id' }).fill(IDP_ENTITY_ID);
    await page.getByRole('textbox', { name: 'IdP sign-on URL' }).fill(IDP_SSO_URL);
    await page.getByRole('textbox', { name: 'IdP signing certificate (PEM)' }).fill(IDP_CERT);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Copy the entity id' }).waitFor();
    const id = new URL(page.url()).pathname.split('/')[3];
    const base = `${suite.t.baseUrl}/api/v1/auth/sso/${id}`;
    await page.getByText(`${base}/callback`, { exact: true }).waitFor();
    await page.getByText(`${base}/metadata`, { exact: true }).waitFor();
    const stored = await suite.t.http
      .get(`/api/v1/sso-connections/${id}`)
      .set('authorization', suite.owner.auth)
      .expect(200);
    expect(stored.body.saml).toMatchObject({ idpEntityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Editing without new metadata or certificate keeps the SAML settings; disabling hides it at sign-in.
    await page.getByRole('link', { name: 'Edit' }).click();
    const enabled = page.getByRole('switch', { name: 'People may sign in through it' });
    await enabled.waitFor();
    await enabled.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Copy the entity id' }).waitFor();
    const edited = await suite.t.http
      .get(`/api/v1/sso-connections/${id}`)
      .set('authorization', suite.owner.auth)
      .expect(200);
    expect(edited.body.enabled).toBe(false);
    expect(edited.body.saml).toEqual(stored.body.saml);
    const offered = await suite.t.http.get('/api/v1/auth/sso/connections?organization=default');
    expect(offered.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
