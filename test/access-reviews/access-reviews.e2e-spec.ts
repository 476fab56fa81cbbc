import { getQueueToken } from '@nestjs/bullmq';
import { type Job, type Queue, QueueEvents } from 'bullmq';
import { createHash } from 'node:crypto';
import { SWEEP_JOB } from '../../src/access-reviews/access-review.processor';
import { RECUR_JOB, seriesSchedulerId } from '../../src/access-reviews/access-reviews.service';
import { ACCESS_REVIEW_QUEUE } from '../../src/infra/queue/queues';
import { ENTERPRISE, issueScimKey, PATCH_OP, scimClient } from '../scim/scim-client';
import { eventually } from '../support/eventually';
import { ManualClock } from '../support/manual-clock';
import { expectProblem } from '../support/problem';
import {
  createUser,
  signIn,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

jest.setTimeout(60_000);

const DAY_S = 86_400;

interface Item {
  id: string;
  campaignId: string;
  userId: string;
  kind: string;
  resourceId: string;
  resourceName: string;
  grantedAt: string | null;
  grantedById: string | null;
  reviewerIds: string[];
  decision: string | null;
  comment: string | null;
  decidedById: string | null;
  outcome: string | null;
}

describe('Access reviews: campaigns, decisions, reminders, evidence', () => {
  const clock = new ManualClock(new Date('2026-12-01T09:00:00Z'));
  let t: TestApp;
  let sink: SmtpSink;
  let queue: Queue;
  let events: QueueEvents;
  let owner: SignedIn;
  let governance: SignedIn;
  let manager: SignedIn;
  let reviewer: SignedIn;
  let plain: SignedIn;
  let developers: SignedIn[];

  const as = (who: SignedIn) => ({
    get: (path: string) => t.http.get(`/api/v1${path}`).set('authorization', who.auth),
    post: (path: string, body?: object) =>
      t.http
        .post(`/api/v1${path}`)
        .set('authorization', who.auth)
        .send(body ?? {}),
    patch: (path: string, body: object) =>
      t.http.patch(`/api/v1${path}`).set('authorization', who.auth).send(body),
  });
  const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY_S * 1000);
  const itemsOf = async (who: SignedIn, query: string): Promise<Item[]> =>
    (await as(who).get(`/access-reviews/items?${query}`).expect(200)).body.items as Item[];
  const runJob = async (name: string, data: object = {}): Promise<unknown> => {
    const job: Job = await queue.add(name, data);
    return job.waitUntilFinished(events, 30_000);
  };
  /** Moves time on; access tokens expire with it, so everyone signs in again. */
  const advanceDays = async (days: number) => {
    clock.advance(days * DAY_S);
    const again = (who: SignedIn) =>
      signIn(t, t.config.bootstrap.orgSlug, who.username, TEST_PASSWORD);
    owner = await signInOwner(t);
    [governance, manager, reviewer, plain] = await Promise.all(
      [governance, manager, reviewer, plain].map(again),
    );
    developers = await Promise.all(developers.map(again));
  };
  const mailsTo = (who: SignedIn) =>
    sink.messages.filter((mail) => mail.to.includes(who.email ?? ''));

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        OUTBOX_POLL_MS: '200',
        MAIL_BACKOFF_MS: '200',
        MAINTENANCE_ACCESS_REVIEWS_EVERY_SECONDS: '86400',
      },
    });
    queue = t.app.get<Queue>(getQueueToken(ACCESS_REVIEW_QUEUE));
    events = new QueueEvents(ACCESS_REVIEW_QUEUE, {
      connection: { url: TEST_REDIS_URL },
      prefix: `${t.config.redisKeyPrefix}:bull`,
    });
    await events.waitUntilReady();
    owner = await signInOwner(t);
    governance = await createUser(t, owner, ['governance']);
    manager = await createUser(t, owner, ['user']);
    reviewer = await createUser(t, owner, ['user']);
    plain = await createUser(t, owner, ['user']);
    developers = [
      await createUser(t, owner, ['developer']),
      await createUser(t, owner, ['developer']),
      await createUser(t, owner, ['developer']),
    ];
    // The third developer's manager arrives from the identity provider, as Okta and Entra send it.
    const scim = scimClient(t, await issueScimKey(t, owner));
    const patched = await scim.patch(`/Users/${developers[2].id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: manager.id }],
    });
    expect(patched.status).toBe(200);
  });
  afterAll(async () => {
    await events.close();
    await t.close();
    await sink.stop();
  });

  describe('a campaign over a role', () => {
    let campaignId: string;

    it('snapshots exactly the role’s holders, with who granted it and who reviews it', async () => {
      const created = await as(governance)
        .post('/access-reviews', {
          name: 'Developer access, December',
          scope: { type: 'role', id: 'developer' },
          reviewing: ['roles'],
          reviewers: { managers: true, userIds: [reviewer.id] },
          dueAt: inDays(7).toISOString(),
        })
        .expect(201);
      campaignId = created.body.id;
      expect(created.body).toMatchObject({
        status: 'active',
        scope: { type: 'role', id: 'developer' },
        items: { total: 3, open: 3, kept: 0, revoked: 0 },
        createdById: governance.id,
      });
      const items = await itemsOf(governance, `campaignId=${campaignId}`);
      expect(items.map((item) => item.userId).sort()).toEqual(
        developers.map((developer) => developer.id).sort(),
      );
      for (const item of items) {
        expect(item).toMatchObject({
          kind: 'role',
          resourceId: 'developer',
          resourceName: 'Developer',
          grantedById: owner.id,
          decision: null,
        });
        expect(item.grantedAt).not.toBeNull();
        const expected = item.userId === developers[2].id ? [manager.id] : [reviewer.id];
        expect(item.reviewerIds).toEqual(expected);
      }
      const started = await as(owner)
        .get(`/audit-events?action=accessReview.started&limit=10`)
        .expect(200);
      expect(started.body.items).toEqual([
        expect.objectContaining({
          target: expect.objectContaining({ id: campaignId }),
          changes: expect.objectContaining({ items: 3 }),
        }),
      ]);
    });

    it('shows each reviewer only what they review, and others nothing', async () => {
      expect((await itemsOf(reviewer, 'reviewer=me')).map((item) => item.userId).sort()).toEqual(
        [developers[0].id, developers[1].id].sort(),
      );
      expect((await itemsOf(manager, 'status=open')).map((item) => item.userId)).toEqual([
        developers[2].id,
      ]);
      expect(await itemsOf(plain, `campaignId=${campaignId}`)).toEqual([]);
      await as(reviewer).get(`/access-reviews/${campaignId}`).expect(200);
      expectProblem(await as(plain).get(`/access-reviews/${campaignId}`), 404);
      // Every holder's own item has a reviewer other than themselves.
      expect(await itemsOf(developers[0], `campaignId=${campaignId}`)).toEqual([]);
    });

    it('keeps and revokes: the revoked role is gone on the holder’s next request, each decision audited', async () => {
      const [first, second] = (await itemsOf(reviewer, 'reviewer=me')).sort((a, b) =>
        a.userId === developers[0].id ? -1 : b.userId === developers[0].id ? 1 : 0,
      );
      await as(developers[1]).get('/audit-events').expect(200);
      const kept = await as(reviewer)
        .post(`/access-reviews/items/${first.id}/decision`, {
          decision: 'keep',
          comment: 'Still on the platform team',
        })
        .expect(200);
      expect(kept.body).toMatchObject({
        decision: 'keep',
        outcome: 'kept',
        decidedById: reviewer.id,
      });
      const revoked = await as(reviewer)
        .post(`/access-reviews/items/${second.id}/decision`, { decision: 'revoke' })
        .expect(200);
      expect(revoked.body).toMatchObject({ decision: 'revoke', outcome: 'revoked' });

      expectProblem(await as(developers[1]).get('/audit-events'), 403);
      const user = await as(owner).get(`/users/${developers[1].id}`).expect(200);
      expect(user.body.roles).toEqual([]);
      await as(developers[0]).get('/audit-events').expect(200);

      const decided = await as(owner)
        .get('/audit-events?action=accessReview.itemDecided&limit=10')
        .expect(200);
      expect(
        decided.body.items.map((event: { changes: { item: string; decision: string } }) => [
          event.changes.item,
          event.changes.decision,
        ]),
      ).toEqual(
        expect.arrayContaining([
          [first.id, 'keep'],
          [second.id, 'revoke'],
        ]),
      );
      const change = await as(owner)
        .get('/audit-events?action=user.rolesChanged&limit=1')
        .expect(200);
      expect(change.body.items[0]).toMatchObject({
        reason: `access review ${campaignId}`,
        target: expect.objectContaining({ id: developers[1].id }),
        changes: { roles: { from: ['developer'], to: [] } },
      });
    });

    it('refuses a second decision on an item, and items of someone else’s review', async () => {
      const [first] = await itemsOf(reviewer, 'reviewer=me&status=decided');
      const again = await as(reviewer).post(`/access-reviews/items/${first.id}/decision`, {
        decision: 'revoke',
      });
      expectProblem(again, 409);
      const [managersItem] = await itemsOf(manager, 'status=open');
      expectProblem(
        await as(reviewer).post(`/access-reviews/items/${managersItem.id}/decision`, {
          decision: 'revoke',
        }),
        404,
      );
      expect((await itemsOf(manager, 'status=open')).length).toBe(1);
    });

    it('reminds the reviewers with open items before the due date, then escalates on it', async () => {
      await advanceDays(5);
      await runJob(SWEEP_JOB);
      const reminders = await eventually(
        () => Promise.resolve(mailsTo(manager)),
        (mails) => mails.length >= 1,
      );
      expect(reminders[0].subject).toBe(
        'Access review Developer access, December: 1 item awaits your decision',
      );
      expect(mailsTo(reviewer)).toEqual([]);
      await runJob(SWEEP_JOB);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(mailsTo(manager).length).toBe(1);

      await advanceDays(3);
      await runJob(SWEEP_JOB);
      const overdue = await eventually(
        () => Promise.resolve(mailsTo(manager)),
        (mails) => mails.length >= 2,
      );
      expect(overdue[1].subject).toContain('Overdue access review');
      const escalation = await eventually(
        () => Promise.resolve(mailsTo(governance)),
        (mails) => mails.length >= 1,
      );
      expect(escalation[0].subject).toContain('Escalation');
      const campaign = await as(governance).get(`/access-reviews/${campaignId}`).expect(200);
      expect(campaign.body).toMatchObject({ status: 'active', items: { open: 1 } });
    });

    it('completes with the last decision; the report parses, matches the decisions and the audited digest', async () => {
      const [last] = await itemsOf(manager, 'status=open');
      await as(manager)
        .post('/access-reviews/items/decisions', {
          decisions: [{ itemId: last.id, decision: 'keep', comment: 'Reports to me' }],
        })
        .expect(200)
        .expect((response) =>
          expect(response.body.results).toEqual([
            expect.objectContaining({ itemId: last.id, ok: true }),
          ]),
        );
      const campaign = await as(governance).get(`/access-reviews/${campaignId}`).expect(200);
      expect(campaign.body).toMatchObject({
        status: 'completed',
        items: { total: 3, open: 0, kept: 2, revoked: 1 },
      });
      expect(campaign.body.reportSha256).toMatch(/^[0-9a-f]{64}$/);

      const json = await as(governance)
        .get(`/access-reviews/${campaignId}/report?format=json`)
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done(null, text));
        })
        .expect(200);
      const text = json.body as string;
      expect(createHash('sha256').update(text).digest('hex')).toBe(campaign.body.reportSha256);
      const report = JSON.parse(text) as { campaign: { status: string }; items: Item[] };
      expect(report.campaign.status).toBe('completed');
      // The report's rows read exactly as the API shows the items.
      const byId = (a: Item, b: Item) => a.id.localeCompare(b.id);
      const listed = await itemsOf(governance, `campaignId=${campaignId}`);
      expect([...report.items].sort(byId)).toEqual([...listed].sort(byId));
      const decisions = Object.fromEntries(
        report.items.map((item) => [item.userId, [item.decision, item.outcome]]),
      );
      expect(decisions).toEqual({
        [developers[0].id]: ['keep', 'kept'],
        [developers[1].id]: ['revoke', 'revoked'],
        [developers[2].id]: ['keep', 'kept'],
      });
      const completed = await as(owner)
        .get('/audit-events?action=accessReview.completed&limit=1')
        .expect(200);
      expect(completed.body.items[0].changes.report.sha256).toBe(campaign.body.reportSha256);

      const csv = await as(governance)
        .get(`/access-reviews/${campaignId}/report?format=csv`)
        .expect(200)
        .expect('content-type', /text\/csv/);
      const lines = csv.text.trim().split('\r\n');
      expect(lines[0].split(',').slice(0, 3)).toEqual(['itemId', 'userId', 'username']);
      expect(lines.length).toBe(4);
      expect(lines.find((line) => line.includes(developers[2].id))).toContain('Reports to me');
    });

    it('is immutable once completed', async () => {
      const [item] = await itemsOf(governance, `campaignId=${campaignId}`);
      expectProblem(
        await as(governance).post(`/access-reviews/items/${item.id}/decision`, {
          decision: 'revoke',
        }),
        409,
      );
      expectProblem(
        await as(governance).patch(`/access-reviews/${campaignId}`, {
          dueAt: inDays(30).toISOString(),
        }),
        409,
      );
      expectProblem(await as(governance).post(`/access-reviews/${campaignId}/complete`), 409);
    });
  });

  it('never lets a reviewer decide their own access', async () => {
    const created = await as(governance)
      .post('/access-reviews', {
        name: 'Governance holders',
        scope: { type: 'role', id: 'governance' },
        reviewing: ['roles'],
        reviewers: { managers: false, userIds: [governance.id] },
        dueAt: inDays(7).toISOString(),
      })
      .expect(201);
    const [own] = await itemsOf(governance, `campaignId=${created.body.id}`);
    expect(own).toMatchObject({ userId: governance.id, reviewerIds: [] });
    const refused = await as(governance).post(`/access-reviews/items/${own.id}/decision`, {
      decision: 'keep',
    });
    expectProblem(refused, 403);
    expect(refused.body.detail).toContain('own access');
    await as(owner)
      .post(`/access-reviews/items/${own.id}/decision`, { decision: 'keep' })
      .expect(200);
  });

  it('has an Owner’s access reviewed by the other Owners only', async () => {
    const second = await createUser(t, owner, ['owner']);
    const created = await as(governance)
      .post('/access-reviews', {
        name: 'Privileged access',
        scope: { type: 'role', id: 'owner' },
        reviewing: ['roles'],
        reviewers: { managers: false, userIds: [reviewer.id] },
        dueAt: inDays(7).toISOString(),
      })
      .expect(201);
    const items = await itemsOf(owner, `campaignId=${created.body.id}`);
    const reviewersOf = Object.fromEntries(items.map((item) => [item.userId, item.reviewerIds]));
    expect(reviewersOf).toEqual({ [owner.id]: [second.id], [second.id]: [owner.id] });
    expect(await itemsOf(reviewer, `campaignId=${created.body.id}`)).toEqual([]);
    const ownersItem = items.find((item) => item.userId === owner.id) as Item;
    // Governance runs the campaign, but cannot decide about an Owner.
    expectProblem(
      await as(governance).post(`/access-reviews/items/${ownersItem.id}/decision`, {
        decision: 'revoke',
      }),
      403,
    );
    await as(second)
      .post(`/access-reviews/items/${ownersItem.id}/decision`, { decision: 'keep' })
      .expect(200);
  });

  it('revokes overdue memberships and keys when the campaign says so, and completes', async () => {
    const group = await as(owner).post('/groups', { name: 'Contractors' }).expect(201);
    await as(owner)
      .post(`/groups/${group.body.id}/members`, { userIds: [plain.id] })
      .expect(200);
    const key = await as(plain).post('/api-keys', { name: 'laptop' }).expect(201);
    await t.http.get('/api/v1/me').set('authorization', `Bearer ${key.body.key}`).expect(200);
    const created = await as(owner)
      .post('/access-reviews', {
        name: 'Contractors',
        scope: { type: 'group', id: group.body.id },
        reviewing: ['groups', 'apiKeys'],
        reviewers: { managers: false, userIds: [reviewer.id] },
        dueAt: inDays(1).toISOString(),
        remindDaysBefore: 0,
        overdueAction: 'revoke',
      })
      .expect(201);
    expect(created.body.items.total).toBe(2);
    await advanceDays(2);
    const result = (await runJob(SWEEP_JOB)) as { autoRevoked: number };
    expect(result.autoRevoked).toBe(2);

    const campaign = await as(owner).get(`/access-reviews/${created.body.id}`).expect(200);
    expect(campaign.body).toMatchObject({ status: 'completed', items: { revoked: 2, open: 0 } });
    const members = await as(owner).get(`/groups/${group.body.id}/members`).expect(200);
    expect(members.body.items).toEqual([]);
    expectProblem(
      await t.http.get('/api/v1/me').set('authorization', `Bearer ${key.body.key}`),
      401,
    );
    const items = await itemsOf(owner, `campaignId=${created.body.id}`);
    expect(items.map((item) => [item.kind, item.decision, item.outcome]).sort()).toEqual([
      ['apiKey', 'revoke', 'revoked'],
      ['group', 'revoke', 'revoked'],
    ]);
  });

  it('validates what it is given and is started only by those the matrix allows', async () => {
    const before = (await as(owner).get('/access-reviews').expect(200)).body.items.length;
    const base = {
      name: 'Probe',
      reviewing: ['roles'],
      reviewers: { userIds: [reviewer.id] },
      dueAt: inDays(7).toISOString(),
    };
    expectProblem(
      await as(developers[0]).post('/access-reviews', { ...base, scope: { type: 'all' } }),
      403,
    );
    for (const [body, field] of [
      [{ ...base, scope: { type: 'role' } }, 'scope.id'],
      [{ ...base, scope: { type: 'all', id: 'developer' } }, 'scope.id'],
      [{ ...base, scope: { type: 'role', id: 'no_such_role' } }, 'roles'],
      [{ ...base, scope: { type: 'all' }, dueAt: inDays(-1).toISOString() }, 'dueAt'],
      [{ ...base, scope: { type: 'all' }, reviewing: ['passwords'] }, 'reviewing'],
      [{ ...base, scope: { type: 'all' }, reviewers: { managers: false } }, 'reviewers'],
    ] as const) {
      const response = await as(owner).post('/access-reviews', body);
      expectProblem(response, 400);
      expect(JSON.stringify(response.body.errors)).toContain(field);
    }
    expect((await as(owner).get('/access-reviews').expect(200)).body.items.length).toBe(before);
    // A cursor this API did not give out is a 400, not a query error.
    const forged = Buffer.from(
      JSON.stringify(['not a time', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    expectProblem(await as(owner).get(`/access-reviews?cursor=${forged}`), 400);
    expectProblem(await as(owner).get(`/access-reviews/items?cursor=${forged}`), 400);
  });

  it('runs a recurring campaign as a job scheduler, starting the next one with the same time to decide', async () => {
    const created = await as(owner)
      .post('/access-reviews', {
        name: 'Monthly privileged access',
        scope: { type: 'privileged' },
        reviewing: ['roles'],
        reviewers: { managers: false, userIds: [reviewer.id] },
        dueAt: inDays(14).toISOString(),
        recurrence: 'monthly',
      })
      .expect(201);
    const seriesId = created.body.seriesId as string;
    expect(seriesId).toBe(created.body.id);
    const scheduler = await queue.getJobScheduler(seriesSchedulerId(seriesId));
    expect(scheduler).toMatchObject({ pattern: '0 6 1 * *', tz: 'UTC' });
    // A scheduler lost (Redis was down when it was set) is put back by the next sweep.
    await queue.removeJobScheduler(seriesSchedulerId(seriesId));
    await runJob(SWEEP_JOB);
    expect(await queue.getJobScheduler(seriesSchedulerId(seriesId))).toMatchObject({
      pattern: '0 6 1 * *',
    });

    await advanceDays(30);
    const organizationId = (await as(owner).get('/organization').expect(200)).body.id as string;
    const ran = await runJob(RECUR_JOB, { organizationId, seriesId });
    expect(String(ran)).toMatch(/^started /);
    const series = (await as(owner).get('/access-reviews').expect(200)).body.items.filter(
      (campaign: { seriesId: string }) => campaign.seriesId === seriesId,
    );
    expect(series).toHaveLength(2);
    const [next, first] = series as Array<{
      startedAt: string;
      dueAt: string;
      items: { total: number };
    }>;
    const span = (campaign: { startedAt: string; dueAt: string }) =>
      Date.parse(campaign.dueAt) - Date.parse(campaign.startedAt);
    expect(span(next)).toBe(span(first));
    expect(next.items.total).toBeGreaterThan(0);

    // The series' recurrence is changed on its latest campaign, which the sweep reads.
    expectProblem(await as(owner).patch(`/access-reviews/${seriesId}`, { recurrence: null }), 409);
    const latestId = (next as unknown as { id: string }).id;
    await as(owner).patch(`/access-reviews/${latestId}`, { recurrence: null }).expect(200);
    expect(await queue.getJobScheduler(seriesSchedulerId(seriesId))).toBeUndefined();
    await runJob(SWEEP_JOB);
    expect(await queue.getJobScheduler(seriesSchedulerId(seriesId))).toBeUndefined();
  });
  it('reviews an application’s assignees by a reviewer group, least recently active first', async () => {
    const dormant = await createUser(t, owner, ['user']);
    const app = await as(owner).post('/applications', { name: 'Payroll' }).expect(201);
    await t.http
      .put(`/api/v1/applications/${app.body.id}/assignments`)
      .set('authorization', owner.auth)
      .send({ userIds: [dormant.id, developers[0].id], groupIds: [] })
      .expect(200);
    const auditors = await as(owner).post('/groups', { name: 'Auditors' }).expect(201);
    await as(owner)
      .post(`/groups/${auditors.body.id}/members`, { userIds: [reviewer.id] })
      .expect(200);
    await advanceDays(40); // everyone but the dormant user signs in again
    const created = await as(owner)
      .post('/access-reviews', {
        name: 'Payroll access',
        scope: { type: 'application', id: app.body.id },
        reviewing: ['applications'],
        reviewers: { managers: false, groupId: auditors.body.id },
        dueAt: inDays(7).toISOString(),
      })
      .expect(201);
    const items = await itemsOf(reviewer, `campaignId=${created.body.id}`);
    expect(items.map((item) => [item.userId, item.kind, item.resourceName])).toEqual([
      [dormant.id, 'application', 'Payroll'],
      [developers[0].id, 'application', 'Payroll'],
    ]);
    expect(items[0].grantedById).toBe(owner.id);
    const inactive = await itemsOf(reviewer, `campaignId=${created.body.id}&inactiveDays=30`);
    expect(inactive.map((item) => item.userId)).toEqual([dormant.id]);

    await as(reviewer)
      .post(`/access-reviews/items/${items[0].id}/decision`, { decision: 'revoke' })
      .expect(200);
    const assignments = await as(owner).get(`/applications/${app.body.id}`).expect(200);
    expect(assignments.body.assignments.userIds).toEqual([developers[0].id]);
    // Removed by hand before the reviewer got to it: recorded, not an error.
    await t.http
      .put(`/api/v1/applications/${app.body.id}/assignments`)
      .set('authorization', owner.auth)
      .send({ userIds: [], groupIds: [] })
      .expect(200);
    const late = await as(reviewer)
      .post(`/access-reviews/items/${items[1].id}/decision`, { decision: 'revoke' })
      .expect(200);
    expect(late.body.outcome).toBe('alreadyRemoved');
    const change = await as(owner)
      .get('/audit-events?action=application.assigned&limit=5')
      .expect(200);
    expect(
      change.body.items.find(
        (event: { reason: string | null }) => event.reason === `access review ${created.body.id}`,
      ),
    ).toMatchObject({ changes: { users: { added: [], removed: [dormant.id] } } });
  });
});
