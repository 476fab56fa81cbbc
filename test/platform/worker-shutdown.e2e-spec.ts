import { Queue } from 'bullmq';
import { Client } from 'pg';
import { MAIL_QUEUE } from '../../src/infra/queue/queues';
import { signInOwner } from '../support/principals';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

/** Settles `promise` into whether it resolved within `ms`, without failing the test on its own. */
async function resolvesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([promise.then(() => true as const), late]);
  clearTimeout(timer);
  return result;
}

describe('Worker shutdown', () => {
  let sink: SmtpSink;
  let t: TestApp | undefined;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(() => sink.stop());

  it('finishes the running mail job, and records it sent, before the app stops', async () => {
    t = await startTestApp({ env: { SMTP_URL: sink.url, OUTBOX_POLL_MS: '200' } });
    const owner = await signInOwner(t);
    const held = sink.holdNext();
    const created = await t.http
      .post('/api/v1/invites')
      .set('authorization', owner.auth)
      .send({ email: 'slow-server@example.com' })
      .expect(201);
    await held.arrived; // the worker is inside the SMTP exchange

    const stopping = t.stop();
    expect(await resolvesWithin(stopping, 500)).toBe(false); // waits for the job
    held.release();
    await stopping;

    expect(sink.messages.map((mail) => mail.to)).toEqual([['slow-server@example.com']]);
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ delivery_state: string; delivery_id: string }>(
      'select delivery_state, delivery_id from invites where id = $1',
      [created.body.id],
    );
    await db.end();
    expect(rows[0]?.delivery_state).toBe('sent');
    // BullMQ recorded the outcome too, so no other worker will send it again.
    const queue = new Queue(MAIL_QUEUE, {
      connection: { url: TEST_REDIS_URL },
      prefix: `${t.config.redisKeyPrefix}:bull`,
    });
    const job = await queue.getJob(rows[0]?.delivery_id ?? '');
    expect(await job?.getState()).toBe('completed');
    await queue.close();
  });

  it('stops promptly while Redis is unreachable instead of waiting for it forever', async () => {
    const redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    try {
      t = await startTestApp({
        redisUrl: (url) => redis.rewrite(url),
        env: { WORKER_SHUTDOWN_GRACE_MS: '1000' },
      });
      // Let the workers block on Redis, then take Redis away: their blocking
      // connections go to "reconnecting", where BullMQ's own close never returns.
      await new Promise((resolve) => setTimeout(resolve, 500));
      redis.cut();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await resolvesWithin(t.stop(), 10_000)).toBe(true);
    } finally {
      redis.restore();
      await redis.stop();
    }
  });
});
