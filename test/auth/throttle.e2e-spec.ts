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
import { startTestApp, type TestApp } from '../support/test-app';

describe('Brute-force protection (Keycloak semantics, injectable clock)', () => {
  const clock = new ManualClock();
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '600', LOGIN_IP_MAX_ATTEMPTS: '1000' },
    });
    owner = await signInOwner(t);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const fail = (username: string) => login(t, 'default', username, 'definitely-wrong');

  it('locks after 3 failures and then answers like a wrong password even with the right one', async () => {
    const alice = await createUser(t, owner, ['user']);
    for (let i = 0; i < 3; i++) expectProblem(await fail(alice.username), 401);
    const locked = await login(t, 'default', alice.username, TEST_PASSWORD);
    const wrong = await fail(alice.username);
    expectProblem(locked, 401, 'Invalid organization, login or password.');
    expect(locked.body.detail).toBe(wrong.body.detail);
    const { rows } = await db.query<{ reason: string }>(
      "select reason from audit_events where action = 'auth.loginFailed' and actor_username = $1 order by seq",
      [alice.username],
    );
    expect(rows.map((row) => row.reason)).toEqual([
      'wrong password',
      'wrong password',
      'wrong password',
      'account locked after repeated failures',
      'account locked after repeated failures',
    ]);
  });

  it('does not extend the lock with attempts made while locked', async () => {
    const bob = await createUser(t, owner, ['user']);
    for (let i = 0; i < 3; i++) await fail(bob.username);
    clock.advance(500);
    await fail(bob.username); // while locked: must not push the lock further
    clock.advance(101); // 601 s after the lock began
    expect((await login(t, 'default', bob.username, TEST_PASSWORD)).status).toBe(200);
  });

  it('resets the counter after a successful sign-in', async () => {
    const carol = await createUser(t, owner, ['user']);
    await fail(carol.username);
    await fail(carol.username);
    expect((await login(t, 'default', carol.username, TEST_PASSWORD)).status).toBe(200);
    await fail(carol.username);
    await fail(carol.username);
    expect((await login(t, 'default', carol.username, TEST_PASSWORD)).status).toBe(200);
  });

  it('shows the lock and the failure count to those who may read the user', async () => {
    const erin = await createUser(t, owner, ['user']);
    await fail(erin.username);
    const counted = await t.http.get(`/api/v1/users/${erin.id}`).set('authorization', owner.auth);
    expect(counted.body).toMatchObject({ failedLoginAttempts: 1, lockedUntil: null });
    await fail(erin.username);
    await fail(erin.username);
    const lockedAt = clock.now().getTime();
    const locked = await t.http.get(`/api/v1/users/${erin.id}`).set('authorization', owner.auth);
    expect(locked.body.failedLoginAttempts).toBe(3);
    expect(Date.parse(locked.body.lockedUntil)).toBe(lockedAt + 600_000);
    const listed = await t.http
      .get(`/api/v1/users?q=${erin.username}`)
      .set('authorization', owner.auth);
    expect(listed.body.items[0]).toMatchObject({
      id: erin.id,
      lockedUntil: locked.body.lockedUntil,
    });
  });

  it('lets an admin who may update the user lift the lock at once, audited', async () => {
    const frank = await createUser(t, owner, ['user']);
    const itAdmin = await createUser(t, owner, ['it_admin']);
    const colleague = await createUser(t, owner, ['user']);
    for (let i = 0; i < 3; i++) await fail(frank.username);
    expectProblem(await login(t, 'default', frank.username, TEST_PASSWORD), 401);

    // A colleague does not see Frank at all; Frank's own earlier session may not lift his lock.
    expectProblem(
      await t.http.post(`/api/v1/users/${frank.id}/unlock`).set('authorization', colleague.auth),
      404,
    );
    expectProblem(
      await t.http.post(`/api/v1/users/${frank.id}/unlock`).set('authorization', frank.auth),
      403,
    );
    const unlocked = await t.http
      .post(`/api/v1/users/${frank.id}/unlock`)
      .set('authorization', itAdmin.auth)
      .expect(200);
    expect(unlocked.body).toMatchObject({ lockedUntil: null, failedLoginAttempts: 0 });
    expect((await login(t, 'default', frank.username, TEST_PASSWORD)).status).toBe(200);

    const { rows } = await db.query(
      "select actor_id, changes from audit_events where action = 'user.unlocked' and target_id = $1",
      [frank.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].actor_id).toBe(itAdmin.id);
    expect(rows[0].changes.failedLoginAttempts).toEqual({ from: 3, to: 0 });
    expect(rows[0].changes.lockedUntil.to).toBeNull();
  });

  it('locks again after another round of failures once a lock has run out', async () => {
    const gina = await createUser(t, owner, ['user']);
    for (let i = 0; i < 3; i++) await fail(gina.username);
    clock.advance(601);
    await fail(gina.username);
    await fail(gina.username);
    expect((await login(t, 'default', gina.username, TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++) await fail(gina.username);
    expectProblem(await login(t, 'default', gina.username, TEST_PASSWORD), 401);
  });

  it('counts "Alice" and "alice" (and the email) as one account', async () => {
    const dave = await createUser(t, owner, ['user'], { username: 'DaveMixedCase' });
    await fail('davemixedcase');
    await fail('DAVEMIXEDCASE');
    await fail('davemixedcase@example.com');
    expectProblem(await login(t, 'default', 'DaveMixedCase', TEST_PASSWORD), 401);
    clock.advance(601);
    expect((await login(t, 'default', dave.username, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('Sign-in throttling per IP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_IP_MAX_ATTEMPTS: '5', LOGIN_IP_WINDOW_SECONDS: '120' } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once an address makes too many attempts', async () => {
    for (let i = 0; i < 5; i++)
      expectProblem(await login(t, 'default', `someone${i}`, 'wrong-password'), 401);
    const throttled = await login(t, 'default', 'owner', 'correct-horse-battery-staple');
    const body = expectProblem(throttled, 429);
    expect(body.type).toBe('urn:warden:problem:rate-limited');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(120);
  });
});
