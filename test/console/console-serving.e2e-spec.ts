import { startTestApp, type TestApp } from '../support/test-app';

/** How the API serves the console: its page, its assets, its Content-Security-Policy. */
describe('Console serving', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t.close());

  const nonceOf = (policy: string) => /'nonce-([^']+)'/.exec(policy)?.[1];

  it('serves the page for every console path, with a fresh nonce in a strict policy', async () => {
    const first = await t.http.get('/console/users/8a0e6a8e-58b4-4c55-a1f4-4b1f1d1b9c0b');
    const second = await t.http.get('/console');
    for (const response of [first, second]) {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['cache-control']).toBe('no-store');
      const policy = response.headers['content-security-policy'];
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      // The page carries the nonce its policy names, on the meta tag emotion reads it from.
      expect(response.text).toContain(`nonce="${nonceOf(policy)}"`);
      expect(response.text).not.toContain('__CSP_NONCE__');
    }
    expect(nonceOf(first.headers['content-security-policy'])).not.toBe(
      nonceOf(second.headers['content-security-policy']),
    );
  });

  it('serves hashed assets for a year, and a missing one as a 404 problem', async () => {
    const page = await t.http.get('/console/');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.text)?.[1] ?? 'no script tag';
    const asset = await t.http.get(script).set('accept-encoding', 'identity');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-encoding']).toBeUndefined();
    // Compressed at build time, served as the browser accepts it.
    const brotli = await t.http.get(script).set('accept-encoding', 'br, gzip');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(Number(brotli.headers['content-length'])).toBeLessThan(
      Number(asset.headers['content-length']) / 2,
    );

    const missing = await t.http.get('/console/assets/index-gone.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const traversal = await t.http.get('/console/assets/..%2f..%2fpackage.json');
    expect(traversal.status).toBe(404);
  });

  it('leaves the API’s own policy on API answers', async () => {
    const response = await t.http.get('/health/live');
    expect(response.headers['content-security-policy']).not.toContain('nonce-');
  });
});
