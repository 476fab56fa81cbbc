import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundGuard, OutboundUrlRefused } from './outbound-guard';

describe('OutboundGuard', () => {
  const guard = new OutboundGuard([], 2_000);
  afterAll(() => guard.close());

  it.each([
    'http://127.0.0.1/',
    'https://127.0.0.1/',
    'https://10.1.2.3/.well-known/openid-configuration',
    'https://169.254.169.254/latest/meta-data/',
    'https://172.20.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[::1]/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a00:1]/',
    'https://localhost/',
  ])('refuses %s', async (url) => {
    await expect(guard.assertUrl(url)).rejects.toBeInstanceOf(OutboundUrlRefused);
  });

  it.each(['file:///etc/passwd', 'ftp://8.8.8.8/', 'not a url', 'https://user:pw@8.8.8.8/'])(
    'refuses %s',
    async (url) => {
      await expect(guard.assertUrl(url)).rejects.toBeInstanceOf(OutboundUrlRefused);
    },
  );

  it('accepts a public address over https, refuses it over plain http', async () => {
    await expect(guard.assertUrl('https://8.8.8.8/x')).resolves.toBeInstanceOf(URL);
    await expect(guard.assertUrl('http://8.8.8.8/x')).rejects.toThrow('must use https');
  });

  describe('with an operator allowlist', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((_request, response) => response.end('reached'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('reaches an allowlisted internal address, even over http', async () => {
      const allowing = new OutboundGuard(['127.0.0.0/8'], 2_000);
      try {
        const response = await allowing.fetch(`http://127.0.0.1:${port}/`);
        expect(await response.text()).toBe('reached');
        const byName = await allowing.fetch(`http://localhost:${port}/`);
        expect(await byName.text()).toBe('reached');
      } finally {
        await allowing.close();
      }
    });

    it('never sends the request without the allowlist, by address or by name', async () => {
      let hits = 0;
      server.on('request', () => (hits += 1));
      await expect(guard.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(
        OutboundUrlRefused,
      );
      await expect(guard.fetch(`https://localhost:${port}/`)).rejects.toBeInstanceOf(
        OutboundUrlRefused,
      );
      const narrow = new OutboundGuard(['10.0.0.0/8'], 2_000);
      await expect(narrow.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(
        OutboundUrlRefused,
      );
      await narrow.close();
      expect(hits).toBe(0);
    });
  });
});
