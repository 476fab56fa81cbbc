import { getQueueToken } from '@nestjs/bullmq';
import { type Queue, QueueEvents } from 'bullmq';
import { Client } from 'pg';
import { MAIL_QUEUE, MAINTENANCE_QUEUE } from '../../src/infra/queue/queues';
import type { PurgeResult } from '../../src/maintenance/maintenance.service';
import { ManualClock } from '../support/manual-clock';
import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { SmtpSink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';
import { eventually } from '../support/eventually';

jest.setTimeout(30_000);

const BACKOFF_MS = 300;

const mailsTo = (sink: SmtpSink, email: string) =>
  sink.messages.filter((mail) => mail.to.some((to) => to.toLowerCase() === email.toLowerCase()));

describe('Invite delivery: Redis outages, SMTP failures, queue health', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let redis: TcpProxy;
  let db: Client;
  let owner: SignedIn;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    t = await startTestApp({
      redisUrl: (url) => redis.rewrite(url),
      env: {
        SMTP_URL: sink.url,
        MAIL_BACKOFF_MS: String(BACKOFF_MS),
        MAIL_MAX_ATTEMPTS: '3',
        OUTBOX_POLL_MS: '200',
      },
    });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    redis.restore();
    await db.end();
    await t.close();
    await redis.stop();
    await sink.stop();
  });

  const invite = (email: string) =>
    t.http.post('/api/v1/invites').set('authorization', owner.auth).send({ email });
  const shown = async (id: string) =>
    (await t.http.get(`/api/v1/invites/${id}`).set('authorization', owner.auth).expect(200)).body;

  it('creates invites while Redis is unreachable and mails each exactly once when it returns', async () => {
    const before = sink.messages.length;
    redis.cut();
    const emails = ['outage1@example.com', 'outage2@example.com', 'outage3@example.com'];
    for (const email of emails) {
      const response = await invite(email);
      expect(response.status).toBe(201);
    }
    // Committed to PostgreSQL, waiting in the outbox; nothing can reach the queue yet.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.messages.length).toBe(before);
    const waiting = await db.query(
      'select count(*)::int as n from outbox where dispatched_at is null',
    );
    expect(waiting.rows[0].n).toBe(3);

    redis.restore();
    await sink.waitFor(before + 3, 20_000);
    // Several poll rounds later, still one mail per invite.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const email of emails) expect(mailsTo(sink, email)).toHaveLength(1);
    expect(sink.messages.length).toBe(before + 3);
    const dispatched = await db.query(
      'select count(*)::int as n from outbox where dispatched_at is null',
    );
    expect(dispatched.rows[0].n).toBe(0);
  });

  it('records a burst of sends in shared transactions, one invite.sent event for each', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `burst${i}@example.com`);
    const before = sink.messages.length;
    const created = await Promise.all(emails.map((email) => invite(email).expect(201)));
    const ids = created.map((response) => response.body.id as string);
    await sink.waitFor(before + emails.length, 20_000);
    await eventually(
      async () =>
        (
          await db.query<{ n: number }>(
            "select count(*)::int as n from invites where id = any($1::uuid[]) and delivery_state = 'sent'",
            [ids],
          )
        ).rows[0]?.n,
      (n) => n === ids.length,
    );
    const events = await db.query<{ target_id: string }>(
      "select target_id from audit_events where action = 'invite.sent' and target_id = any($1::text[])",
      [ids],
    );
    expect(events.rows.map((row) => row.target_id).sort()).toEqual([...ids].sort());
    // Several events appended in one statement still make one unbroken, sealed chain.
    const verification = await t.http
      .get('/api/v1/audit-events/verify')
      .set('authorization', owner.auth)
      .expect(200);
    expect(verification.body).toMatchObject({ valid: true });
    // xmin is the transaction that last wrote a row: sends that finished while
    // another batch committed were marked in one transaction together.
    const writers = await db.query<{ n: number }>(
      'select count(distinct xmin::text)::int as n from invites where id = any($1::uuid[])',
      [ids],
    );
    expect(writers.rows[0]?.n).toBeLessThan(ids.length);
  });

  it('retries a failing send with exponential backoff, shows the error on the invite, and clears it on success', async () => {
    const refusedBefore = sink.refusedAt.length;
    sink.failNext(2);
    const created = await invite('flaky@example.com').expect(201);
    const failing = await eventually(
      () => shown(created.body.id),
      (body) => body.delivery.lastError !== null,
    );
    expect(failing.delivery).toMatchObject({ state: 'retrying' });
    expect(failing.delivery.lastError).toMatch(/Mailbox busy/);

    await eventually(
      () => Promise.resolve(mailsTo(sink, 'flaky@example.com').length),
      (count) => count === 1,
    );
    const delivered = await eventually(
      () => shown(created.body.id),
      (body) => body.delivery.state === 'sent',
    );
    expect(delivered.delivery).toMatchObject({ state: 'sent', attempts: 3, lastError: null });
    // Attempts at t, t + backoff, t + 3 * backoff: each wait at least doubles.
    const [first = 0, second = 0] = sink.refusedAt.slice(refusedBefore);
    const third = sink.receivedAt[sink.receivedAt.length - 1] ?? 0;
    expect(second - first).toBeGreaterThanOrEqual(BACKOFF_MS * 0.9);
    expect(third - second).toBeGreaterThanOrEqual(2 * BACKOFF_MS * 0.9);
  });

  it('marks an invite failed after the last attempt, lists the failed job for admins, and a resend recovers', async () => {
    sink.failNext(3);
    const created = await invite('bounced@example.com').expect(201);
    const failed = await eventually(
      () => shown(created.body.id),
      (body) => body.delivery.state === 'failed',
    );
    expect(failed.delivery.lastError).toMatch(/Mailbox busy/);
    expect(failed.delivery.attempts).toBe(3);

    const queues = await t.http.get('/api/v1/queues').set('authorization', owner.auth).expect(200);
    const mail = queues.body.items.find((queue: { name: string }) => queue.name === MAIL_QUEUE);
    expect(mail.counts.failed).toBe(1);
    const jobs = await t.http
      .get(`/api/v1/queues/${MAIL_QUEUE}/failed`)
      .set('authorization', owner.auth)
      .expect(200);
    expect(jobs.body.items).toEqual([
      expect.objectContaining({
        name: 'invite',
        attemptsMade: 3,
        failedReason: expect.stringMatching(/Mailbox busy/),
        data: expect.objectContaining({ inviteId: created.body.id }),
      }),
    ]);
    expectProblem(
      await t.http.get('/api/v1/queues/nope/failed').set('authorization', owner.auth),
      404,
    );
    const developer = await createUser(t, owner, ['developer']);
    expectProblem(await t.http.get('/api/v1/queues').set('authorization', developer.auth), 403);

    await t.http
      .post(`/api/v1/invites/${created.body.id}/resend`)
      .set('authorization', owner.auth)
      .expect(202);
    const recovered = await eventually(
      () => shown(created.body.id),
      (body) => body.delivery.state === 'sent',
    );
    expect(recovered.delivery).toMatchObject({ attempts: 1, lastError: null });
    expect(mailsTo(sink, 'bounced@example.com')).toHaveLength(1);
  });
});

describe('Maintenance jobs', () => {
  const DAY = 86_400;
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  let t: TestApp;
  let db: Client;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { INVITE_PURGE_GRACE_DAYS: '10', SESSION_PURGE_GRACE_DAYS: '30' },
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    queue = t.app.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    events = new QueueEvents(MAINTENANCE_QUEUE, {
      connection: { url: TEST_REDIS_URL },
      prefix: `${t.config.redisKeyPrefix}:bull`,
    });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await db.end();
    await t.close();
  });

  const run = async (name: string) => {
    const job = await queue.add(name, {});
    return job.waitUntilFinished(events, 15_000) as Promise<unknown>;
  };
  const ids = async (sql: string) => (await db.query(sql)).rows.map((row) => row.id as string);

  it('purges sessions that ended before the grace period, and a second run removes nothing more', async () => {
    let owner = await signInOwner(t);
    const early = await createUser(t, owner, ['user']); // live at T0, idle-expired at T0+1d
    const loggedOut = await createUser(t, owner, ['user']);
    await t.http.post('/api/v1/auth/logout').set('authorization', loggedOut.auth).expect(204);
    clock.advance(29 * DAY);
    owner = await signInOwner(t);
    const recentLogout = await createUser(t, owner, ['user']);
    await t.http.post('/api/v1/auth/logout').set('authorization', recentLogout.auth).expect(204);
    const recent = await createUser(t, owner, ['user']);
    clock.advance(3 * DAY); // cut-off: sessions that ended before T0+2d

    const before = await ids('select id from sessions');
    const result = (await run('sessions.purge')) as PurgeResult;
    const after = await ids('select id from sessions');
    expect(after).not.toContain(early.sessionId);
    expect(after).not.toContain(loggedOut.sessionId);
    expect(after).toEqual(
      expect.arrayContaining([recentLogout.sessionId, recent.sessionId, owner.sessionId]),
    );
    expect(result.total).toBe(before.length - after.length);
    const orphans = await db.query(
      'select count(*)::int as n from refresh_tokens r left join sessions s on s.id = r.session_id where s.id is null',
    );
    expect(orphans.rows[0].n).toBe(0);

    const again = (await run('sessions.purge')) as PurgeResult;
    expect(again.total).toBe(0);
    expect(await ids('select id from sessions')).toEqual(after);
    const audit = await db.query(
      `select changes from audit_events where action = 'maintenance.sessionsPurged'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].changes.deleted).toBe(result.total);
  });

  it('expires pending invites past their expiry, deletes old expired and revoked ones, idempotently', async () => {
    const start = clock.now().getTime();
    let owner = await signInOwner(t);
    const create = async (email: string) =>
      (
        await t.http
          .post('/api/v1/invites')
          .set('authorization', owner.auth)
          .send({ email })
          .expect(201)
      ).body.id as string;
    const old = await create('old@example.com'); // expires at T+7d: expired and past grace
    const revokedEarly = await create('revoked-early@example.com');
    await t.http
      .delete(`/api/v1/invites/${revokedEarly}`)
      .set('authorization', owner.auth)
      .expect(204);
    clock.advance(20 * DAY);
    owner = await signInOwner(t);
    const lapsed = await create('lapsed@example.com'); // expires at T+27d: expired, within grace
    clock.advance(9 * DAY);
    owner = await signInOwner(t);
    const fresh = await create('fresh@example.com'); // still pending at T+32d
    const revokedLate = await create('revoked-late@example.com');
    await t.http
      .delete(`/api/v1/invites/${revokedLate}`)
      .set('authorization', owner.auth)
      .expect(204);
    clock.advance(3 * DAY);
    expect(clock.now().getTime() - start).toBe(32 * DAY * 1000);

    const result = (await run('invites.expire')) as { expired: PurgeResult; deleted: PurgeResult };
    expect(result.expired.total).toBe(2); // old and lapsed were pending past expiry
    expect(result.deleted.total).toBe(2); // old (expired at T+7d) and revokedEarly
    const rows = await db.query('select id, status from invites order by email');
    const status = Object.fromEntries(rows.rows.map((row) => [row.id, row.status]));
    expect(status).toEqual({
      [lapsed]: 'expired',
      [fresh]: 'pending',
      [revokedLate]: 'revoked',
    });
    expect(status[old]).toBeUndefined();

    const again = (await run('invites.expire')) as { expired: PurgeResult; deleted: PurgeResult };
    expect(again.expired.total + again.deleted.total).toBe(0);
    const unchanged = await db.query('select id, status from invites order by email');
    expect(unchanged.rows).toEqual(rows.rows);
  });
});
