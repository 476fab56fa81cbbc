import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import { signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

/** `{"a":[[[ ... ]]]}`, nested `depth` levels below the top object, as raw JSON text. */
function deepBody(depth: number): string {
  return `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

describe('Bounded input: no request shape reaches a recursive walk unbounded', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const userCount = async () =>
    (await db.query<{ n: number }>('select count(*)::int as n from users')).rows[0]?.n;

  it('answers a body nested 2,000 levels deep with 400, not a stack overflow, and creates nothing', async () => {
    const before = await userCount();
    const response = await t.http
      .post('/api/v1/users')
      .set('authorization', owner.auth)
      .set('content-type', 'application/json')
      .send(deepBody(2000));
    const body = expectProblem(response, 400, /nested deeper than 32 levels/);
    expect(body.type).toBe('urn:warden:problem:malformed-request');
    expect(await userCount()).toBe(before);
  });

  it('refuses the deep body before authentication runs, on public routes too', async () => {
    const response = await t.http
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send(deepBody(100_000));
    expectProblem(response, 400, /nested deeper/);
  });

  it('answers a body with more members than allowed with 413', async () => {
    const wide = JSON.stringify({ userIds: Array.from({ length: 10_001 }, () => 0) });
    const response = await t.http
      .post('/api/v1/users/bulk')
      .set('authorization', owner.auth)
      .set('content-type', 'application/json')
      .send(wide);
    expectProblem(response, 413, /more than 10000 members/);
  });

  it('still takes a body at the depth limit to validation (the bound is not off by one)', async () => {
    // 32 levels: the top object, then 31 nested arrays. Validation refuses the field, as it should.
    const response = await t.http
      .post('/api/v1/users')
      .set('authorization', owner.auth)
      .set('content-type', 'application/json')
      .send(deepBody(31));
    const body = expectProblem(response, 400, /invalid fields/);
    expect(body.type).toBe('urn:warden:problem:validation-failed');
  });

  it('answers a query string repeating one key a thousand times with 400', async () => {
    const query = Array.from({ length: 1000 }, () => 'status=active').join('&');
    const response = await t.http.get(`/api/v1/users?${query}`).set('authorization', owner.auth);
    expectProblem(response, 400);
  });

  it('answers headers larger than Node accepts with a 431 problem document, not Fastify JSON', async () => {
    const response = await fetch(`${t.baseUrl}/api/v1/users`, {
      headers: { authorization: owner.auth, 'x-padding': 'x'.repeat(20_000) },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 431,
      title: 'Request Header Fields Too Large',
    });
  });

  it('answers a path segment past the router limit with a 414 problem document', async () => {
    const response = await t.http
      .get(`/api/v1/users/${'x'.repeat(500)}`)
      .set('authorization', owner.auth);
    const body = expectProblem(response, 414, /longer than this server accepts/);
    expect(body.instance).toBe(`/api/v1/users/${'x'.repeat(500)}`);
  });
});
