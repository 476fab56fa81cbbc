import { expectProblem } from '../support/problem';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { type SecondInstance, startSecondInstanceBeside } from '../support/second-instance';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Changes reach every API instance on the next request', () => {
  let a: TestApp;
  let b: SecondInstance;
  let owner: SignedIn;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startSecondInstanceBeside(a);
    owner = await signInOwner(a);
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.close();
  });

  it('a session revoked on one instance fails on the other at once', async () => {
    const user = await createUser(a, owner, ['developer']);
    await b.http.get('/api/v1/me').set('authorization', user.auth).expect(200); // instance B has it cached now
    await a.http
      .delete(`/api/v1/sessions/${user.sessionId}`)
      .set('authorization', owner.auth)
      .expect(204);
    expectProblem(await b.http.get('/api/v1/me').set('authorization', user.auth), 401);
  });

  it('a deactivation on one instance fails the user on the other at once', async () => {
    const user = await createUser(a, owner, ['developer']);
    await b.http.get('/api/v1/me').set('authorization', user.auth).expect(200);
    await a.http
      .post(`/api/v1/users/${user.id}/deactivate`)
      .set('authorization', owner.auth)
      .expect(200);
    expectProblem(await b.http.get('/api/v1/me').set('authorization', user.auth), 401);
  });

  it('a role change on one instance applies on the other with the same access token', async () => {
    const user = await createUser(a, owner, ['user']);
    expectProblem(await b.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
    await a.http
      .put(`/api/v1/users/${user.id}/roles`)
      .set('authorization', owner.auth)
      .send({ roles: ['compliance'] })
      .expect(200);
    await b.http.get('/api/v1/roles/matrix').set('authorization', user.auth).expect(200);
  });

  it('a custom role change on one instance applies on the other', async () => {
    await a.http
      .post('/api/v1/roles')
      .set('authorization', owner.auth)
      .send({
        key: 'matrix_reader',
        name: 'Matrix reader',
        permissions: [{ action: 'read', subject: 'Role' }],
      })
      .expect(201);
    const user = await createUser(a, owner, ['matrix_reader']);
    await b.http.get('/api/v1/roles/matrix').set('authorization', user.auth).expect(200);
    await a.http
      .patch('/api/v1/roles/matrix_reader')
      .set('authorization', owner.auth)
      .send({ permissions: [{ action: 'read', subject: 'Organization' }] })
      .expect(200);
    expectProblem(await b.http.get('/api/v1/roles/matrix').set('authorization', user.auth), 403);
  });
});
