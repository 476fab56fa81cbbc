import { ProbeModule } from '../support/probe.module';
import { startTestApp } from '../support/test-app';

describe('Two test runs at the same time', () => {
  it('each get their own database and Redis prefix and do not see each other', async () => {
    const [first, second] = await Promise.all([
      startTestApp({ imports: [ProbeModule] }),
      startTestApp({ imports: [ProbeModule] }),
    ]);
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
