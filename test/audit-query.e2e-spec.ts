import { expectProblem } from './support/problem';
import { createUser, login, signInOwner, type SignedIn } from './support/principals';
import { startTestApp, type TestApp } from './support/test-app';

describe('GET /api/v1/audit-events', () => {
  let t: TestApp;
  let owner: SignedIn;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signInOwner(t);
    await createUser(t, owner, ['user']);
    await login(t, 'default', 'owner', 'wrong-password-here');
  });
  afterAll(() => t.close());

  const list = (query = '') =>
    t.http.get(`/api/v1/audit-events${query}`).set('authorization', owner.auth);

  it('lists newest first with actor, target and outcome', async () => {
    const response = await list().expect(200);
    const seqOrder = response.body.items.map((event: { occurredAt: string }) => event.occurredAt);
    expect([...seqOrder].sort().reverse()).toEqual(seqOrder);
    expect(response.body.items[0]).toMatchObject({
      action: 'auth.loginFailed',
      outcome: 'failure',
      actor: { type: 'user', username: 'owner' },
    });
  });

  it('filters by exact action, action prefix, outcome and actor', async () => {
    const exact = await list('?action=user.created').expect(200);
    expect(
      exact.body.items.every((event: { action: string }) => event.action === 'user.created'),
    ).toBe(true);
    const prefix = await list('?action=auth.').expect(200);
    expect(new Set(prefix.body.items.map((event: { action: string }) => event.action))).toEqual(
      new Set(['auth.loginSucceeded', 'auth.loginFailed']),
    );
    const failures = await list('?outcome=failure').expect(200);
    expect(failures.body.items.map((event: { action: string }) => event.action)).toEqual([
      'auth.loginFailed',
    ]);
    const byOwner = await list(`?actorId=${owner.id}`).expect(200);
    expect(byOwner.body.items.length).toBeGreaterThan(0);
    expect(
      byOwner.body.items.every((event: { actor: { id: string } }) => event.actor.id === owner.id),
    ).toBe(true);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const all = (await list('?limit=200').expect(200)).body.items.map(
      (event: { id: string }) => event.id,
    );
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { body: { items: Array<{ id: string }>; nextCursor: string | null } } =
        await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      paged.push(...response.body.items.map((event) => event.id));
      cursor = response.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
  });

  it('refuses a User (403) and bad filters (400)', async () => {
    const user = await createUser(t, owner, ['user']);
    expectProblem(await t.http.get('/api/v1/audit-events').set('authorization', user.auth), 403);
    expectProblem(await list('?from=yesterday'), 400);
    expectProblem(await list('?cursor=abc'), 400);
  });
});
