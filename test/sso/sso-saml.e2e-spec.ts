import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectProblem } from '../support/problem';
import { signInOwner, type SignedIn } from '../support/principals';
import {
  authnRequestId,
  type AssertionInput,
  IDP_CERT,
  IDP_ENTITY_ID,
  IDP_SSO_URL,
  idpMetadata,
  INTRUDER_CERT,
  INTRUDER_KEY,
  samlResponse,
  signAssertion,
} from '../support/saml-idp';
import { bindingCookieOf } from '../support/sso-browser';
import { startTestApp, type TestApp } from '../support/test-app';

const PUBLIC_URL = 'http://warden.test';

describe('SSO with SAML 2.0 (assertions signed with a test key pair)', () => {
  let t: TestApp;
  let owner: SignedIn;
  let connection: { id: string; callbackUrl: string; saml: { spEntityId: string; acsUrl: string } };
  let adminsGroupId: string;

  const as = (who: SignedIn) => ({
    get: (path: string) => t.http.get(path).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http.post(path).set('authorization', who.auth).send(body),
  });
  const failures = async () =>
    (
      await as(owner)
        .get(`/api/v1/audit-events?targetId=${connection.id}&action=auth.loginFailed&limit=200`)
        .expect(200)
    ).body.items as Array<{ reason: string }>;

  /** Starts a sign-in at Warden: the RelayState and the AuthnRequest id the IdP must answer. */
  /** The binding cookie of each started sign-in, by its RelayState: the browser that started it. */
  const browsers = new Map<string, string>();
  const start = async (query = '') => {
    const response = await t.http
      .get(`/api/v1/auth/sso/${connection.id}/authorize${query}`)
      .expect(302);
    const location = response.headers.location;
    expect(location.startsWith(`${IDP_SSO_URL}?`)).toBe(true);
    const relayState = new URL(location).searchParams.get('RelayState') ?? '';
    browsers.set(relayState, bindingCookieOf(response));
    return { relayState, requestId: authnRequestId(location) };
  };
  const assertion = (requestId: string, overrides: Partial<AssertionInput> = {}) =>
    samlResponse({
      inResponseTo: requestId,
      audience: connection.saml.spEntityId,
      acsUrl: connection.saml.acsUrl,
      nameId: 'saml-subject-1',
      attributes: { email: ['sam@corp.example'], name: ['Sam Lee'], groups: ['admins'] },
      ...overrides,
    });
  /** The IdP's page posts the response to Warden's ACS, as a cross-site form post (no cookie). */
  const postToAcs = (xml: string, relayState: string) =>
    t.http
      .post(`/api/v1/auth/sso/${connection.id}/callback`)
      .type('form')
      .send({ SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: relayState });
  /** ACS post, then the browser follows the hand-over with its cookie: the final answer. */
  const post = async (xml: string, relayState: string, cookie = browsers.get(relayState)) => {
    const posted = await postToAcs(xml, relayState);
    if (posted.status !== 303) return posted;
    const handover = new URL(posted.headers.location);
    expect(`${handover.origin}${handover.pathname}`).toBe(connection.callbackUrl);
    const followed = t.http.get(`${handover.pathname}${handover.search}`);
    return cookie === undefined ? followed : followed.set('cookie', cookie);
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_URL } });
    owner = await signInOwner(t);
    adminsGroupId = (await as(owner).post('/api/v1/groups', { name: 'Admins' }).expect(201)).body
      .id;
    connection = (
      await as(owner)
        .post('/api/v1/sso-connections', {
          name: 'Corp SAML',
          protocol: 'saml',
          saml: { idpEntityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, certificate: IDP_CERT },
          mappings: [
            { claim: 'groups', value: 'admins', roles: ['it_admin'], groupIds: [adminsGroupId] },
          ],
        })
        .expect(201)
    ).body;
    expect(connection.saml.spEntityId).toBe(
      `${PUBLIC_URL}/api/v1/auth/sso/${connection.id}/metadata`,
    );
  });

  afterAll(() => t?.close());

  it('signs in with a valid signed assertion, provisioning the mapped roles and groups', async () => {
    const { relayState, requestId } = await start();
    const response = await post(signAssertion(assertion(requestId)), relayState);
    expect(response.status).toBe(200);
    const me = await t.http
      .get('/api/v1/me')
      .set('authorization', `Bearer ${response.body.accessToken}`)
      .expect(200);
    expect(me.body.user).toMatchObject({ email: 'sam@corp.example', displayName: 'Sam Lee' });
    expect([...me.body.user.roles].sort()).toEqual(['it_admin', 'user']);
    expect(me.body.groups).toEqual([adminsGroupId]);
  });

  it('started by the console, ends on the console’s page with a one-time code', async () => {
    const { relayState, requestId } = await start('?client=console');
    const response = await post(signAssertion(assertion(requestId)), relayState);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${PUBLIC_URL}/console/sso-callback`);
    const code = location.searchParams.get('code') ?? '';
    const tokens = await t.http.post('/api/v1/auth/sso/token').send({ code }).expect(200);
    const me = await t.http
      .get('/api/v1/me')
      .set('authorization', `Bearer ${tokens.body.accessToken}`)
      .expect(200);
    expect(me.body.user.email).toBe('sam@corp.example');
  });

  it('uses each assertion once: the same response, or its assertion id in a new response, is refused', async () => {
    const { relayState, requestId } = await start();
    const signed = signAssertion(assertion(requestId, { assertionId: '_assertion-used-once' }));
    expect((await post(signed, relayState)).status).toBe(200);
    expectProblem(await post(signed, relayState), 401);
    const fresh = await start();
    expectProblem(await post(signed, fresh.relayState), 401);
    const again = await start();
    const reissued = signAssertion(
      assertion(again.requestId, { assertionId: '_assertion-used-once' }),
    );
    expectProblem(await post(reissued, again.relayState), 401);
    expect((await failures())[0]?.reason).toBe('sso: saml: assertion replayed');
  });

  it('hands the verified identity to the browser that started the sign-in, and to no other (login CSRF)', async () => {
    const attacker = await start();
    const posted = await postToAcs(
      signAssertion(assertion(attacker.requestId, { nameId: 'mallory-0666' })),
      attacker.relayState,
    );
    expect(posted.status).toBe(303);
    const handover = new URL(posted.headers.location);
    const followIn = (relayState: string) =>
      t.http
        .get(`${handover.pathname}${handover.search}`)
        .set('cookie', browsers.get(relayState) ?? '');

    // The attacker pushes the hand-over URL into a victim's browser, which has its own cookie.
    const victim = await start();
    expectProblem(await followIn(victim.relayState), 401, /single sign-on failed/i);
    expect((await failures())[0]?.reason).toBe(
      'sso: callback from a browser that did not start this sign-in',
    );
    // The hand-over is single-use: the refused attempt consumed it.
    expectProblem(await followIn(attacker.relayState), 401);
    const users = await as(owner).get('/api/v1/users?q=mallory').expect(200);
    expect(users.body.items).toEqual([]);
  });

  it.each<[string, (requestId: string) => string, RegExp]>([
    ['unsigned', (id) => assertion(id), /signature/i],
    [
      'tampered after signing',
      (id) =>
        signAssertion(assertion(id)).replace(
          '<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">saml-subject-1<',
          '<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">the-owner<',
        ),
      /signature/i,
    ],
    [
      'signed by another key',
      (id) => signAssertion(assertion(id), INTRUDER_KEY, INTRUDER_CERT),
      /signature/i,
    ],
    [
      'expired',
      (id) =>
        signAssertion(
          assertion(id, {
            notBefore: new Date(Date.now() - 60 * 60_000),
            notOnOrAfter: new Date(Date.now() - 30 * 60_000),
          }),
        ),
      /expired|NotOnOrAfter|no valid subject confirmation/i,
    ],
    [
      'for another audience',
      (id) => signAssertion(assertion(id, { audience: 'https://another-sp.example' })),
      /audience/i,
    ],
    [
      'from another issuer',
      (id) => signAssertion(assertion(id, { issuer: 'https://evil.example/idp' })),
      /issuer/i,
    ],
    [
      'answering a request Warden never made',
      () => signAssertion(assertion('_never-requested')),
      /InResponseTo/i,
    ],
  ])('refuses a response %s, and provisions nobody', async (_name, build, reason) => {
    const { relayState, requestId } = await start();
    const before = (await as(owner).get('/api/v1/users?limit=200').expect(200)).body.items.length;
    expectProblem(await post(build(requestId), relayState), 401, /single sign-on failed/i);
    expect((await failures())[0]?.reason).toMatch(reason);
    const after = (await as(owner).get('/api/v1/users?limit=200').expect(200)).body.items.length;
    expect(after).toBe(before);
  });

  it('refuses a response nested 20,000 elements deep before parsing it (seconds of CPU otherwise)', async () => {
    const { relayState, requestId } = await start();
    const deep = `${'<x>'.repeat(20_000)}${'</x>'.repeat(20_000)}`;
    const xml = signAssertion(assertion(requestId)).replace(
      '</samlp:Response>',
      `${deep}</samlp:Response>`,
    );
    expectProblem(await post(xml, relayState), 401, /single sign-on failed/i);
    expect((await failures())[0]?.reason).toBe(
      'sso: saml: XML nested deeper than 64 elements is not accepted',
    );
    await t.http.get('/health/live').expect(200);
  });

  describe('XML external entities', () => {
    let server: Server;
    let hits = 0;
    let url = '';
    beforeAll(async () => {
      server = createServer((_request, response) => {
        hits += 1;
        response.end('leaked');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xxe`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('never resolves an external entity in a response', async () => {
      const { relayState, requestId } = await start();
      const xml = signAssertion(
        assertion(requestId, {
          prolog: `<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY leak SYSTEM "${url}"><!ENTITY file SYSTEM "file:///etc/hostname">]>`,
          nameId: 'subject-&leak;&file;',
        }).replace('subject-&amp;leak;&amp;file;', 'subject-&leak;&file;'),
      );
      expectProblem(await post(xml, relayState), 401);
      expect((await failures())[0]?.reason).toMatch(/document type/);
      expect(hits).toBe(0);
    });
  });

  it('reads entity id, SSO URL and certificate from IdP metadata, and publishes its own', async () => {
    const created = await as(owner)
      .post('/api/v1/sso-connections', {
        name: 'From metadata',
        protocol: 'saml',
        saml: { metadataXml: idpMetadata() },
      })
      .expect(201);
    expect(created.body.saml).toMatchObject({
      idpEntityId: IDP_ENTITY_ID,
      ssoUrl: IDP_SSO_URL,
    });
    expect(created.body.saml.certificates).toHaveLength(1);
    const metadata = await t.http.get(`/api/v1/auth/sso/${created.body.id}/metadata`).expect(200);
    expect(metadata.headers['content-type']).toMatch(/samlmetadata\+xml/);
    expect(metadata.text).toContain(`entityID="${created.body.saml.spEntityId}"`);
    expect(metadata.text).toContain(created.body.callbackUrl);
  });

  it('refuses a form post without a response, and a callback for the wrong protocol', async () => {
    expectProblem(
      await t.http
        .post(`/api/v1/auth/sso/${connection.id}/callback`)
        .type('form')
        .send({ RelayState: 'x' }),
      401,
    );
    expectProblem(
      await t.http.get(`/api/v1/auth/sso/${connection.id}/callback?code=x&state=y`),
      401,
    );
  });
});
