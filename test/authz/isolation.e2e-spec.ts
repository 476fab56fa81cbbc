import { ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Two test runs at the same time', () => {
  it('each get their own database and Redis prefix and do not see each other', async () => {
    // Started one after the other: two Nest apps booting in one Node process
    // share its event loop, and one's synchronous start-up work stalled the
    // other's database connect past its timeout on a loaded machine. They
    // still run side by side for the rest of the test.
    const first = await startTestApp({ imports: [ProbeModule] });
    let second: TestApp;
    try {
      second = await startTestApp({ imports: [ProbeModule] });
    } catch (error) {
      await first.close();
      throw error;
    }
    try {
      expect(first.databaseName).not.toBe(second.databaseName);
      expect(first.config.redisKeyPrefix).not.toBe(second.config.redisKeyPrefix);
      // The same slug in both: no unique conflict, because they are separate databases.
      const created = await Promise.all(
        [first, second].map((t) =>
          t.http.post('/api/v1/test-probe/organizations').send({ slug: 'same', name: 'Same' }),
        ),
      );
      expect(created.map((response) => response.status)).toEqual([201, 201]);
      await first.http
        .post('/api/v1/test-probe/organizations')
        .send({ slug: 'only-first', name: 'Only first' });
      // Each started with its bootstrap organization; only the first got "only-first".
      expect((await first.http.get('/api/v1/test-probe/organizations/count')).body.count).toBe(3);
      expect((await second.http.get('/api/v1/test-probe/organizations/count')).body.count).toBe(2);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
