import { expectProblem } from '../support/problem';
import { ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Errors are RFC 9457 problem documents', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule], env: { BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(() => t.close());

  it('names every failing field of an invalid body, nested ones dotted', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .send({ name: 'ab', count: 0, owner: { username: 'x' } });
    const body = expectProblem(response, 400, /invalid fields: name, count, owner\.username/);
    expect(body.type).toBe('urn:warden:problem:validation-failed');
    const fields = (body.errors as Array<{ field: string }>).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'count', 'owner.username']));
  });

  it('refuses fields the DTO does not declare (mass assignment)', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .send({ name: 'abc', count: 1, isAdmin: true });
    const body = expectProblem(response, 400);
    expect(body.errors).toEqual([
      { field: 'isAdmin', message: 'property isAdmin should not exist' },
    ]);
  });

  it('accepts a valid body (the pipe does not refuse everything)', async () => {
    const response = await t.http.post('/api/v1/test-probe/echo').send({ name: 'abc', count: 2 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ name: 'abc', count: 2 });
  });

  it('answers malformed JSON with 400', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .set('content-type', 'application/json')
      .send('{"name": "abc",');
    const body = expectProblem(response, 400, /not valid JSON/);
    expect(body.type).toBe('urn:warden:problem:malformed-request');
  });

  it('refuses __proto__ in a body (prototype pollution)', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .set('content-type', 'application/json')
      .send('{"name":"abc","count":1,"__proto__":{"polluted":true}}');
    expectProblem(response, 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses keys that shadow Object.prototype, which class-transformer would drop silently', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .send({ name: 'abc', count: 1, valueOf: 0, owner: { username: 'abc', toString: 'x' } });
    const body = expectProblem(response, 400);
    expect(body.errors).toEqual([
      { field: 'valueOf', message: 'property valueOf should not exist' },
      { field: 'owner.toString', message: 'property toString should not exist' },
    ]);
  });

  it('answers an unknown route with 404', async () => {
    const response = await t.http.get('/api/v1/no-such-thing');
    expectProblem(response, 404);
    expect(response.body.instance).toBe('/api/v1/no-such-thing');
  });

  it('answers a body over the limit with 413', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .send({ name: 'abc', count: 1, padding: 'x'.repeat(4096) });
    expectProblem(response, 413, /larger than/);
  });

  it('answers an unsupported media type with 415', async () => {
    const response = await t.http
      .post('/api/v1/test-probe/echo')
      .set('content-type', 'application/xml')
      .send('<echo/>');
    expectProblem(response, 415, /content type/i);
  });

  it('answers a unique-constraint violation with 409 and changes nothing', async () => {
    const before = (await t.http.get('/api/v1/test-probe/organizations/count')).body.count;
    const first = await t.http
      .post('/api/v1/test-probe/organizations')
      .send({ slug: 'acme', name: 'Acme' });
    expect(first.status).toBe(201);
    const second = await t.http
      .post('/api/v1/test-probe/organizations')
      .send({ slug: 'acme', name: 'Other' });
    const body = expectProblem(second, 409);
    expect(body.type).toBe('urn:warden:problem:conflict');
    const count = await t.http.get('/api/v1/test-probe/organizations/count');
    expect(count.body.count).toBe(before + 1);
  });

  it('answers an unexpected error with 500, a request id and no internals', async () => {
    const response = await t.http
      .get('/api/v1/test-probe/boom')
      .set('x-request-id', 'trace-500-check');
    const body = expectProblem(response, 500);
    expect(body.requestId).toBe('trace-500-check');
    expect(JSON.stringify(body)).not.toMatch(/hunter2|secret\.ts|internal detail/);
    // The operator still gets the error in the log, tied to the same request id.
    const logged = t.logs.find(
      (line) => line.includes('trace-500-check') && line.includes('internal detail'),
    );
    expect(logged).toBeDefined();
    expect(logged).not.toContain('hunter2=');
  });
});
