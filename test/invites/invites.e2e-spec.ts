import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ManualClock } from '../support/manual-clock';
import { expectProblem } from '../support/problem';
import {
  createUser,
  login,
  signInOwner,
  type SignedIn,
  TEST_PASSWORD,
} from '../support/principals';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, type TestApp } from '../support/test-app';

const ACCEPT_URL = 'https://app.example.com/accept-invite';
jest.setTimeout(20_000);

/** Envelope addresses keep the local part and lowercase the domain; compare ignoring case. */
const sentTo = (email: string) => (mail: { to: string[] }) =>
  mail.to.some((to) => to.toLowerCase() === email.toLowerCase());

describe('Invites', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let db: Client;
  let owner: SignedIn;
  const clock = new ManualClock();

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      clock,
      env: { SMTP_URL: sink.url, INVITE_ACCEPT_URL: ACCEPT_URL, MAIL_BACKOFF_MS: '20' },
    });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await sink.stop();
  });

  const invite = (who: SignedIn, body: object) =>
    t.http.post('/api/v1/invites').set('authorization', who.auth).send(body);

  /** Waits for the mail to `email` and returns the token of its accept link. */
  const tokenMailedTo = async (email: string, nth = 1): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const mails = sink.messages.filter(sentTo(email));
      const mail = mails[nth - 1];
      if (mail !== undefined) {
        const link = SmtpSink.linkIn(mail);
        expect(`${link.origin}${link.pathname}`).toBe(ACCEPT_URL);
        return link.searchParams.get('token') as string;
      }
      if (Date.now() > deadline) throw new Error(`no mail #${nth} to ${email}`);
      await sink.waitFor(sink.messages.length + 1, deadline - Date.now()).catch(() => undefined);
    }
  };

  const accept = (token: string, username: string, password = TEST_PASSWORD) =>
    t.http.post('/api/v1/invites/accept').send({ token, username, password });

  it('mails a working link; accepting creates the user with the invited roles and groups, signs them in, and the link dies', async () => {
    const group = await t.http
      .post('/api/v1/groups')
      .set('authorization', owner.auth)
      .send({ name: 'Auditors', roles: ['compliance'] })
      .expect(201);
    const created = await invite(owner, {
      email: 'Ada@Example.com',
      displayName: 'Ada Lovelace',
      roles: ['developer'],
      groupIds: [group.body.id],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'Ada@Example.com',
      displayName: 'Ada Lovelace',
      roles: ['developer'],
      groupIds: [group.body.id],
      status: 'pending',
      invitedBy: { type: 'user', id: owner.id, username: 'owner' },
    });
    expect(JSON.stringify(created.body)).not.toMatch(/token/i);

    const token = await tokenMailedTo('Ada@Example.com');
    const mail = sink.messages.find(sentTo('Ada@Example.com'));
    expect(mail?.subject).toBe('You are invited to join Default');
    expect(mail?.raw).toMatch(/Content-Type: text\/html/i);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const stored = await db.query('select token_hash from invites where id = $1', [
      created.body.id,
    ]);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(token);

    const accepted = await accept(token, 'ada');
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({
      username: 'ada',
      email: 'Ada@Example.com',
      displayName: 'Ada Lovelace',
      roles: ['developer'],
    });
    expect(accepted.body.accessToken).toEqual(expect.any(String));
    const me = await t.http
      .get('/api/v1/me')
      .set('authorization', `Bearer ${accepted.body.accessToken}`)
      .expect(200);
    expect(me.body.groups).toEqual([group.body.id]);
    expect(me.body.roles).toEqual(expect.arrayContaining(['developer', 'compliance']));
    expect((await login(t, 'default', 'ada', TEST_PASSWORD)).status).toBe(200);

    expectProblem(await accept(token, 'ada2'), 410, /already been used/);
    const shown = await t.http
      .get(`/api/v1/invites/${created.body.id}`)
      .set('authorization', owner.auth)
      .expect(200);
    expect(shown.body).toMatchObject({
      status: 'accepted',
      acceptedUserId: accepted.body.user.id,
      delivery: { state: 'sent', attempts: 1, lastError: null },
    });
    const actions = await db.query(
      `select action, actor_type from audit_events where target_id = $1 order by seq`,
      [created.body.id],
    );
    expect(actions.rows.map((row) => row.action)).toEqual([
      'invite.created',
      'invite.sent',
      'invite.accepted',
    ]);
  });

  it('answers 410 for an expired invite and for a revoked one, and 410 for a link replaced by a resend', async () => {
    const expiring = await invite(owner, { email: 'late@example.com' }).expect(201);
    const lateToken = await tokenMailedTo('late@example.com');
    clock.advance(7 * 86_400 + 1);
    expectProblem(await accept(lateToken, 'late'), 410, /expired/);
    owner = await signInOwner(t); // the old access token expired with the clock
    const listed = await t.http
      .get('/api/v1/invites?status=expired')
      .set('authorization', owner.auth)
      .expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(expiring.body.id);
    // An expired invite no longer blocks a new one for the same address; it is marked expired.
    const again = await invite(owner, { email: 'LATE@example.com' }).expect(201);
    expect(again.body.id).not.toBe(expiring.body.id);
    const stored = await db.query<{ id: string; status: string }>(
      `select id, status from invites where lower(email) = 'late@example.com' order by created_at`,
    );
    expect(stored.rows).toEqual([
      { id: expiring.body.id, status: 'expired' },
      { id: again.body.id, status: 'pending' },
    ]);
    expectProblem(await invite(owner, { email: 'late@example.com' }), 409, /resend/);

    const revoked = await invite(owner, { email: 'gone@example.com' }).expect(201);
    const goneToken = await tokenMailedTo('gone@example.com');
    await t.http
      .delete(`/api/v1/invites/${revoked.body.id}`)
      .set('authorization', owner.auth)
      .expect(204);
    expectProblem(await accept(goneToken, 'gone'), 410, /revoked/);
    // Revoking twice changes nothing; resending a revoked invite is refused.
    await t.http
      .delete(`/api/v1/invites/${revoked.body.id}`)
      .set('authorization', owner.auth)
      .expect(204);
    expectProblem(
      await t.http
        .post(`/api/v1/invites/${revoked.body.id}/resend`)
        .set('authorization', owner.auth),
      409,
    );

    const resent = await invite(owner, { email: 'twice@example.com' }).expect(201);
    const first = await tokenMailedTo('twice@example.com');
    await t.http
      .post(`/api/v1/invites/${resent.body.id}/resend`)
      .set('authorization', owner.auth)
      .expect(202);
    const second = await tokenMailedTo('twice@example.com', 2);
    expect(second).not.toBe(first);
    expectProblem(await accept(first, 'twice'), 410, /not valid/);
    expect((await accept(second, 'twice')).status).toBe(201);
    expectProblem(await accept('not-a-token-at-all', 'nobody'), 410);
  });

  it('refuses an invite above the inviter’s rights (403), directly or through a group, and creates nothing', async () => {
    const developer = await createUser(t, owner, ['developer']);
    const before = (await db.query('select count(*)::int as n from invites')).rows[0].n;
    const mailsBefore = sink.messages.length;
    expectProblem(await invite(developer, { email: 'boss@example.com', roles: ['owner'] }), 403);
    const admins = await t.http
      .post('/api/v1/groups')
      .set('authorization', owner.auth)
      .send({ name: 'Admins', roles: ['it_admin'] })
      .expect(201);
    expectProblem(
      await invite(developer, { email: 'boss@example.com', groupIds: [admins.body.id] }),
      403,
    );
    const user = await createUser(t, owner, ['user']);
    expectProblem(await invite(user, { email: 'friend@example.com' }), 403);
    expect((await db.query('select count(*)::int as n from invites')).rows[0].n).toBe(before);
    // A developer may invite within their rights.
    await invite(developer, { email: 'peer@example.com', roles: ['developer'] }).expect(201);
    await tokenMailedTo('peer@example.com');
    expect(sink.messages.length).toBe(mailsBefore + 1);
  });

  it('refuses bad input with problem documents and changes nothing', async () => {
    const before = (await db.query('select count(*)::int as n from invites')).rows[0].n;
    expectProblem(await invite(owner, { email: 'not-an-email' }), 400);
    expectProblem(await invite(owner, { email: 'x@example.com', roles: ['wizard'] }), 400);
    expectProblem(await invite(owner, { email: 'x@example.com', extra: 1 }), 400);
    expectProblem(
      await invite(owner, {
        email: 'x@example.com',
        groupIds: ['7d1e7a4e-8a4f-4c43-9b8e-0d3c8f0a1b2c'],
      }),
      404,
    );
    expectProblem(await invite(owner, { email: 'owner@example.com' }), 409, /Email already exists/);
    expectProblem(await invite(owner, { email: 'Owner@Example.COM' }), 409, /Email already exists/);
    expect((await db.query('select count(*)::int as n from invites')).rows[0].n).toBe(before);
    await invite(owner, { email: 'dup@example.com' }).expect(201);
    expectProblem(await invite(owner, { email: 'DUP@example.com' }), 409, /resend/);
    const token = await tokenMailedTo('dup@example.com');
    expectProblem(await accept(token, 'x'), 400);
    expectProblem(await accept(token, 'weakling', 'password'), 422);
    expectProblem(await accept(token, 'owner'), 409, /Username already exists/);
    // None of those used the invite up.
    expect((await accept(token, 'dup')).status).toBe(201);
  });

  it('lists invites by status, newest first, with cursor pages', async () => {
    for (const n of [1, 2, 3]) {
      clock.advance(1);
      await invite(owner, { email: `page${n}@example.com` }).expect(201);
    }
    const first = await t.http
      .get('/api/v1/invites?status=pending&limit=2')
      .set('authorization', owner.auth)
      .expect(200);
    expect(first.body.items.map((i: { email: string }) => i.email)).toEqual([
      'page3@example.com',
      'page2@example.com',
    ]);
    const second = await t.http
      .get(`/api/v1/invites?status=pending&limit=2&cursor=${first.body.nextCursor}`)
      .set('authorization', owner.auth)
      .expect(200);
    expect(second.body.items[0].email).toBe('page1@example.com');
    const accepted = await t.http
      .get('/api/v1/invites?status=accepted')
      .set('authorization', owner.auth)
      .expect(200);
    expect(accepted.body.items.every((i: { status: string }) => i.status === 'accepted')).toBe(
      true,
    );
    expect(accepted.body.items.length).toBeGreaterThanOrEqual(2);
    expectProblem(
      await t.http.get('/api/v1/invites?status=lost').set('authorization', owner.auth),
      400,
    );
    expectProblem(
      await t.http.get('/api/v1/invites?cursor=bm9wZQ').set('authorization', owner.auth),
      400,
    );
  });

  it('creates an invite for a new address without touching other invites', async () => {
    const knex = (t.app.get(MikroORM).em as EntityManager).getKnex();
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    knex.on('query', listener);
    try {
      await invite(owner, { email: 'fresh-address@example.com' }).expect(201);
    } finally {
      knex.removeListener('query', listener);
    }
    expect(statements.some((sql) => /insert into "invites"/.test(sql))).toBe(true);
    expect(statements.some((sql) => /^update "invites"/.test(sql))).toBe(false);
  });
});
