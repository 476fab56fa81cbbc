import { findFreePort } from '../../src/infra/dev-services/free-port';
import { ensureRedis, redisAnswers } from '../../src/infra/dev-services/private-redis';

describe('Zero-config Redis', () => {
  it('uses the Redis that answers at the default URL without starting anything', async () => {
    const started = await ensureRedis(
      process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      () => undefined,
    );
    expect(started).toBeUndefined();
  });

  it('starts a private redis-server when nothing answers, and stops it', async () => {
    const nothingThere = `redis://127.0.0.1:${await findFreePort()}`;
    const messages: string[] = [];
    const started = await ensureRedis(nothingThere, (message) => messages.push(message));
    expect(started).toBeDefined();
    if (started === undefined) return;
    try {
      expect(started.url).not.toBe(nothingThere);
      expect(await redisAnswers(started.url)).toBe(true);
      expect(messages.join('\n')).toContain('Started a private redis-server');
    } finally {
      await started.stop();
    }
    expect(await redisAnswers(started.url)).toBe(false);
  });
});
