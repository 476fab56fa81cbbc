import { ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Two test runs at the same time', () => {
  it('each get their own database and Redis prefix and do not see each other', async () => {
    const started = await Promise.allSettled([
      startTestApp({ imports: [ProbeModule] }),
      startTestApp({ imports: [ProbeModule] }),
    ]);
    // One failing to start must not leave the other running past the test.
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      for (const result of started) if (result.status === 'fulfilled') await result.value.close();
      throw failed.reason;
    }
    const [first, second] = started.map(
      (result) => (result as PromiseFulfilledResult<TestApp>).value,
    );
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
