import { subject } from '@casl/ability';
import { type AppAbility, buildAbility } from '../../src/authz/ability';
import { BUILT_IN_ROLES, SELF_SERVICE } from '../../src/authz/matrix';
import { BUILT_IN_ROLE_KEYS, type BuiltInRoleKey } from '../../src/authz/vocabulary';
import { expectProblem } from '../support/problem';
import { createUser, principalsForEveryRole, signIn, type SignedIn } from '../support/principals';
import { IDP_CERT, IDP_ENTITY_ID, IDP_SSO_URL } from '../support/saml-idp';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * For every built-in role and every route that exists, the expected answer is
 * derived from src/authz/matrix.ts (through CASL, as the app does) and checked
 * over HTTP, for the caller's own objects, someone else's, and another
 * organization's. Nothing here says by hand what a role may do.
 */

interface World {
  organizationId: string;
  caller: SignedIn;
  owner: SignedIn;
  /** A plain User of the same organization, with a live session. */
  other: SignedIn;
  /** The Owner of another organization. */
  foreign: SignedIn;
  /** A group the caller belongs to, one they do not, and another organization's. */
  ownGroupId: string;
  otherGroupId: string;
  foreignGroupId: string;
}

interface Case {
  name: string;
  expected: (ability: AppAbility, w: World) => number;
  run: (t: TestApp, w: World) => Promise<{ status: number }>;
}

const abilityOf = (role: BuiltInRoleKey, w: World): AppAbility => {
  const definition = BUILT_IN_ROLES.find((r) => r.key === role);
  return buildAbility([...SELF_SERVICE, ...(definition?.permissions ?? [])], {
    organizationId: w.organizationId,
    userId: w.caller.id,
    roleKeys: [role],
    groupIds: [w.ownGroupId],
  });
};

const userSubject = (w: World, id: string) =>
  subject('User', { id, organizationId: w.organizationId });
const sessionSubject = (w: World, userId: string) =>
  subject('Session', { userId, organizationId: w.organizationId });
const groupSubject = (w: World, id: string) =>
  subject('Group', { id, organizationId: w.organizationId });
const orgSubject = (w: World) => subject('Organization', { id: w.organizationId });
const anyRole = (w: World) => subject('Role', { key: null, organizationId: w.organizationId });
const newRole = (w: World) => subject('Role', { key: 'probe', organizationId: w.organizationId });

/** Read first (404 when invisible), then the action (403 when not allowed). */
const visibleThen = (canRead: boolean, canAct: boolean, ok: number) =>
  !canRead ? 404 : canAct ? ok : 403;

/** An application as CASL sees it: its owner and who it is assigned to. */
const applicationSubject = (w: World, ownerId: string, assignedGroupIds: string[] = []) =>
  subject('Application', {
    organizationId: w.organizationId,
    ownerId,
    assignedUserIds: [],
    assignedGroupIds,
  });
const policySubject = (w: World) =>
  subject('Policy', { organizationId: w.organizationId, createdById: w.caller.id });
let applicationCounter = 0;
/** An application made by `who`, optionally assigned to a group; returns its id. */
const applicationBy = async (t: TestApp, who: SignedIn, groupId?: string) => {
  applicationCounter += 1;
  const response = await t.http
    .post('/api/v1/applications')
    .set('authorization', who.auth)
    .send({ name: `app ${applicationCounter} ${who.id.slice(0, 8)}` });
  expect(response.status).toBe(201);
  if (groupId !== undefined) {
    await t.http
      .put(`/api/v1/applications/${response.body.id}/assignments`)
      .set('authorization', who.auth)
      .send({ userIds: [], groupIds: [groupId] })
      .expect(200);
  }
  return response.body.id as string;
};
const checkAbout = (t: TestApp, w: World, userId: string, applicationId: string) =>
  t.http
    .post('/api/v1/authz/check')
    .set('authorization', w.caller.auth)
    .send({
      checks: [{ userId, action: 'read', resource: { type: 'application', id: applicationId } }],
    });

const inviteSubject = (w: World) => subject('Invite', { organizationId: w.organizationId });
let inviteCounter = 0;
/** A pending invite (role User) made by `who`; returns its id. */
const inviteBy = async (t: TestApp, who: SignedIn) => {
  inviteCounter += 1;
  const response = await t.http
    .post('/api/v1/invites')
    .set('authorization', who.auth)
    .send({ email: `invitee${inviteCounter}-${who.id.slice(0, 8)}@example.com` });
  expect(response.status).toBe(201);
  return response.body.id as string;
};

const ssoSubject = (w: World) => subject('SsoConnection', { organizationId: w.organizationId });
let ssoCounter = 0;
const ssoBody = () => {
  ssoCounter += 1;
  return {
    name: `sso ${ssoCounter}`,
    protocol: 'saml',
    saml: { idpEntityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, certificate: IDP_CERT },
  };
};
/** A SAML connection made by an Owner (`who`); returns its id. */
const ssoConnectionBy = async (t: TestApp, who: SignedIn) => {
  const response = await t.http
    .post('/api/v1/sso-connections')
    .set('authorization', who.auth)
    .send(ssoBody());
  expect(response.status).toBe(201);
  return response.body.id as string;
};
const ssoStatus = (a: AppAbility, w: World, action: 'read' | 'update' | 'delete', ok: number) =>
  a.can(action, ssoSubject(w)) ? ok : 403;

const cases: Case[] = [
  {
    name: 'GET /applications',
    expected: (a) => (a.can('read', 'Application') ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/applications').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /applications',
    expected: (a, w) => (a.can('create', applicationSubject(w, w.caller.id)) ? 201 : 403),
    run: (t, w) => {
      applicationCounter += 1;
      return t.http
        .post('/api/v1/applications')
        .set('authorization', w.caller.auth)
        .send({ name: `made ${applicationCounter} by ${w.caller.username}` });
    },
  },
  {
    name: 'GET /applications/:id (the Owner’s, not assigned)',
    expected: (a, w) => visibleThen(a.can('read', applicationSubject(w, w.owner.id)), true, 200),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/applications/${await applicationBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /applications/:id (assigned to the caller’s group)',
    expected: (a, w) =>
      visibleThen(a.can('read', applicationSubject(w, w.owner.id, [w.ownGroupId])), true, 200),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/applications/${await applicationBy(t, w.owner, w.ownGroupId)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /applications/:id (another organization’s)',
    expected: (a) => (a.can('read', 'Application') ? 404 : 403),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/applications/${await applicationBy(t, w.foreign)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /applications/:id (the Owner’s, not assigned)',
    expected: (a, w) =>
      a.can('update', 'Application')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id)),
            a.can('update', applicationSubject(w, w.owner.id)),
            200,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .patch(`/api/v1/applications/${await applicationBy(t, w.owner)}`)
        .set('authorization', w.caller.auth)
        .send({ description: 'changed' }),
  },
  {
    name: 'PATCH /applications/:id (assigned to the caller’s group)',
    expected: (a, w) =>
      a.can('update', 'Application')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id, [w.ownGroupId])),
            a.can('update', applicationSubject(w, w.owner.id, [w.ownGroupId])),
            200,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .patch(`/api/v1/applications/${await applicationBy(t, w.owner, w.ownGroupId)}`)
        .set('authorization', w.caller.auth)
        .send({ description: 'changed' }),
  },
  {
    name: 'PUT /applications/:id/assignments (the Owner’s)',
    expected: (a, w) =>
      a.can('assign', 'Application')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id)),
            a.can('assign', applicationSubject(w, w.owner.id)),
            200,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .put(`/api/v1/applications/${await applicationBy(t, w.owner)}/assignments`)
        .set('authorization', w.caller.auth)
        .send({ userIds: [w.other.id], groupIds: [] }),
  },
  {
    name: 'DELETE /applications/:id (the Owner’s)',
    expected: (a, w) =>
      a.can('delete', 'Application')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id)),
            a.can('delete', applicationSubject(w, w.owner.id)),
            204,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .delete(`/api/v1/applications/${await applicationBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /applications/:id/policies (assigned to the caller’s group)',
    expected: (a, w) =>
      a.can('read', 'Policy')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id, [w.ownGroupId])),
            a.can('read', policySubject(w)),
            200,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .get(`/api/v1/applications/${await applicationBy(t, w.owner, w.ownGroupId)}/policies`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'POST /applications/:id/policies (assigned to the caller’s group)',
    expected: (a, w) =>
      a.can('create', 'Policy')
        ? visibleThen(
            a.can('read', applicationSubject(w, w.owner.id, [w.ownGroupId])),
            a.can('create', policySubject(w)),
            201,
          )
        : 403,
    run: async (t, w) =>
      t.http
        .post(`/api/v1/applications/${await applicationBy(t, w.owner, w.ownGroupId)}/policies`)
        .set('authorization', w.caller.auth)
        .send({ name: 'probe', effect: 'allow', actions: ['read'], roles: ['*'] }),
  },
  {
    name: 'POST /authz/check (about themselves)',
    expected: (a, w) => (a.can('check', userSubject(w, w.caller.id)) ? 200 : 403),
    run: async (t, w) => checkAbout(t, w, w.caller.id, await applicationBy(t, w.owner)),
  },
  {
    name: 'POST /authz/check (about someone else)',
    expected: (a, w) => (a.can('check', userSubject(w, w.other.id)) ? 200 : 403),
    run: async (t, w) => checkAbout(t, w, w.other.id, await applicationBy(t, w.owner)),
  },
  {
    name: 'GET /invites',
    expected: (a, w) => (a.can('read', inviteSubject(w)) ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/invites').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /invites (role User)',
    expected: (a, w) => (a.can('create', inviteSubject(w)) ? 201 : 403),
    run: (t, w) => {
      inviteCounter += 1;
      return t.http
        .post('/api/v1/invites')
        .set('authorization', w.caller.auth)
        .send({ email: `self-invite${inviteCounter}@example.com` });
    },
  },
  {
    name: 'GET /invites/:id (the Owner’s)',
    expected: (a, w) =>
      a.can('read', 'Invite') ? visibleThen(a.can('read', inviteSubject(w)), true, 200) : 403,
    run: async (t, w) =>
      t.http
        .get(`/api/v1/invites/${await inviteBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /invites/:id (another organization’s)',
    expected: (a) => (a.can('read', 'Invite') ? 404 : 403),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/invites/${await inviteBy(t, w.foreign)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'POST /invites/:id/resend (the Owner’s)',
    expected: (a, w) =>
      a.can('update', 'Invite')
        ? visibleThen(a.can('read', inviteSubject(w)), a.can('update', inviteSubject(w)), 202)
        : 403,
    run: async (t, w) =>
      t.http
        .post(`/api/v1/invites/${await inviteBy(t, w.owner)}/resend`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /invites/:id (the Owner’s)',
    expected: (a, w) =>
      a.can('revoke', 'Invite')
        ? visibleThen(a.can('read', inviteSubject(w)), a.can('revoke', inviteSubject(w)), 204)
        : 403,
    run: async (t, w) =>
      t.http
        .delete(`/api/v1/invites/${await inviteBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /queues',
    expected: (a, w) =>
      a.can('read', subject('Queue', { organizationId: w.organizationId })) ? 200 : 403,
    run: (t, w) => t.http.get('/api/v1/queues').set('authorization', w.caller.auth),
  },
  {
    name: 'GET /audit-events/verify',
    expected: (a, w) =>
      a.can('read', subject('AuditEvent', { organizationId: w.organizationId })) ? 200 : 403,
    run: (t, w) => t.http.get('/api/v1/audit-events/verify').set('authorization', w.caller.auth),
  },
  {
    name: 'GET /audit-events/export',
    expected: (a, w) =>
      a.can('export', subject('AuditEvent', { organizationId: w.organizationId })) ? 200 : 403,
    run: (t, w) =>
      t.http
        .get('/api/v1/audit-events/export?format=ndjson&action=auth.')
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /audit-events',
    expected: (a, w) =>
      a.can('read', subject('AuditEvent', { organizationId: w.organizationId })) ? 200 : 403,
    run: (t, w) => t.http.get('/api/v1/audit-events?limit=5').set('authorization', w.caller.auth),
  },
  {
    name: 'GET /organization',
    expected: (a, w) => (a.can('read', orgSubject(w)) ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/organization').set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /organization',
    expected: (a, w) => (a.can('update', orgSubject(w)) ? 200 : 403),
    run: (t, w) =>
      t.http
        .patch('/api/v1/organization')
        .set('authorization', w.caller.auth)
        .send({ settings: { auditRetentionDays: 365 } }),
  },
  {
    name: 'GET /roles',
    expected: (a) => (a.can('read', 'Role') ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/roles').set('authorization', w.caller.auth),
  },
  {
    name: 'GET /roles/matrix',
    expected: (a, w) => (a.can('read', anyRole(w)) ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/roles/matrix').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /roles (a custom role within the caller’s own permissions)',
    expected: (a, w) => (a.can('create', newRole(w)) ? 201 : 403),
    run: (t, w) =>
      t.http
        .post('/api/v1/roles')
        .set('authorization', w.caller.auth)
        .send({
          key: `probe_${w.caller.id.slice(0, 8)}`,
          name: 'Probe',
          permissions: [{ action: 'read', subject: 'Organization' }],
        }),
  },
  {
    name: 'DELETE /roles/:key (a custom role made by the Owner)',
    expected: (a, w) => (a.can('delete', newRole(w)) ? 204 : 403),
    run: async (t, w) => {
      const key = `victim_${w.caller.id.slice(0, 8)}`;
      await t.http
        .post('/api/v1/roles')
        .set('authorization', w.owner.auth)
        .send({ key, name: 'Victim', permissions: [{ action: 'read', subject: 'Organization' }] })
        .expect(201);
      return t.http.delete(`/api/v1/roles/${key}`).set('authorization', w.caller.auth);
    },
  },
  {
    name: 'PATCH /roles/owner (built-in)',
    expected: () => 403,
    run: (t, w) =>
      t.http
        .patch('/api/v1/roles/owner')
        .set('authorization', w.caller.auth)
        .send({ name: 'Renamed' }),
  },
  {
    name: 'GET /users/:id (own)',
    expected: (a, w) => visibleThen(a.can('read', userSubject(w, w.caller.id)), true, 200),
    run: (t, w) => t.http.get(`/api/v1/users/${w.caller.id}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id (someone else’s)',
    expected: (a, w) => visibleThen(a.can('read', userSubject(w, w.other.id)), true, 200),
    run: (t, w) => t.http.get(`/api/v1/users/${w.other.id}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id (another organization’s)',
    expected: () => 404,
    run: (t, w) => t.http.get(`/api/v1/users/${w.foreign.id}`).set('authorization', w.caller.auth),
  },
  {
    name: 'POST /users',
    expected: (a, w) =>
      a.can('create', subject('User', { organizationId: w.organizationId })) ? 201 : 403,
    run: (t, w) =>
      t.http
        .post('/api/v1/users')
        .set('authorization', w.caller.auth)
        .send({
          username: `made-by-${w.caller.id.slice(0, 8)}`,
          password: 'plum-tangerine-gazebo',
          roles: ['user'],
        }),
  },
  {
    name: 'PUT /users/:id/roles (someone else’s, to User)',
    expected: (a, w) =>
      !a.can('assign', 'Role')
        ? 403
        : visibleThen(a.can('read', userSubject(w, w.other.id)), true, 200),
    run: (t, w) =>
      t.http
        .put(`/api/v1/users/${w.other.id}/roles`)
        .set('authorization', w.caller.auth)
        .send({ roles: ['user'] }),
  },
  {
    name: 'POST /users/:id/deactivate (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'User')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, w.other.id)),
            a.can('update', userSubject(w, w.other.id), 'status'),
            200,
          ),
    run: async (t, w) => {
      const response = await t.http
        .post(`/api/v1/users/${w.other.id}/deactivate`)
        .set('authorization', w.caller.auth);
      await t.http
        .post(`/api/v1/users/${w.other.id}/activate`)
        .set('authorization', w.owner.auth)
        .expect(200);
      return response;
    },
  },
  {
    name: 'POST /users/:id/deactivate (another organization’s)',
    expected: (a) => (!a.can('update', 'User') ? 403 : 404),
    run: (t, w) =>
      t.http.post(`/api/v1/users/${w.foreign.id}/deactivate`).set('authorization', w.caller.auth),
  },
  {
    name: 'POST /users/:id/unlock (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'User')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, w.other.id)),
            a.can('update', userSubject(w, w.other.id), 'status'),
            200,
          ),
    run: (t, w) =>
      t.http.post(`/api/v1/users/${w.other.id}/unlock`).set('authorization', w.caller.auth),
  },
  {
    name: 'POST /users/:id/unlock (another organization’s)',
    expected: (a) => (!a.can('update', 'User') ? 403 : 404),
    run: (t, w) =>
      t.http.post(`/api/v1/users/${w.foreign.id}/unlock`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /sessions',
    expected: (a) => (a.can('read', 'Session') ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/sessions').set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /sessions/:id (someone else’s)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', sessionSubject(w, w.other.id)),
        a.can('revoke', sessionSubject(w, w.other.id)),
        204,
      ),
    run: (t, w) =>
      t.http.delete(`/api/v1/sessions/${w.other.sessionId}`).set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /sessions/:id (another organization’s)',
    expected: () => 404,
    run: (t, w) =>
      t.http.delete(`/api/v1/sessions/${w.foreign.sessionId}`).set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /sessions/:id (own)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', sessionSubject(w, w.caller.id)),
        a.can('revoke', sessionSubject(w, w.caller.id)),
        204,
      ),
    run: async (t, w) => {
      const second = await signIn(
        t,
        'default',
        w.caller.username,
        w.caller.username === 'owner' ? 'correct-horse-battery-staple' : 'plum-tangerine-gazebo-42',
      );
      return t.http
        .delete(`/api/v1/sessions/${second.sessionId}`)
        .set('authorization', w.caller.auth);
    },
  },
  {
    name: 'GET /users',
    expected: (a) => (a.can('read', 'User') ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/users').set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /users/:id (own display name)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', userSubject(w, w.caller.id)),
        a.can('update', userSubject(w, w.caller.id), 'displayName'),
        200,
      ),
    run: (t, w) =>
      t.http
        .patch(`/api/v1/users/${w.caller.id}`)
        .set('authorization', w.caller.auth)
        .send({ displayName: 'Own Name' }),
  },
  {
    name: 'PATCH /users/:id (someone else’s display name)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', userSubject(w, w.other.id)),
        a.can('update', userSubject(w, w.other.id), 'displayName'),
        200,
      ),
    run: (t, w) =>
      t.http
        .patch(`/api/v1/users/${w.other.id}`)
        .set('authorization', w.caller.auth)
        .send({ displayName: 'Their Name' }),
  },
  {
    name: 'PATCH /users/:id (another organization’s)',
    expected: () => 404,
    run: (t, w) =>
      t.http
        .patch(`/api/v1/users/${w.foreign.id}`)
        .set('authorization', w.caller.auth)
        .send({ displayName: 'Foreign' }),
  },
  {
    name: 'POST /users/:id/password (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'User')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, w.other.id)),
            a.can('update', userSubject(w, w.other.id)),
            204,
          ),
    run: (t, w) =>
      t.http
        .post(`/api/v1/users/${w.other.id}/password`)
        .set('authorization', w.caller.auth)
        .send({ password: 'plum-tangerine-gazebo-42', revokeSessions: false }),
  },
  {
    name: 'DELETE /users/:id (someone else’s)',
    expected: (a, w) =>
      !a.can('delete', 'User')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, 'victim')),
            a.can('delete', userSubject(w, 'victim')),
            204,
          ),
    run: async (t, w) => {
      const victim = await t.http
        .post('/api/v1/users')
        .set('authorization', w.owner.auth)
        .send({
          username: `victim-${Math.random().toString(36).slice(2, 10)}`,
          password: 'plum-tangerine-gazebo',
        })
        .expect(201);
      return t.http.delete(`/api/v1/users/${victim.body.id}`).set('authorization', w.caller.auth);
    },
  },
  {
    name: 'DELETE /users/:id (another organization’s)',
    expected: (a) => (!a.can('delete', 'User') ? 403 : 404),
    run: (t, w) =>
      t.http.delete(`/api/v1/users/${w.foreign.id}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id/export (own)',
    expected: () => 200,
    run: (t, w) =>
      t.http.get(`/api/v1/users/${w.caller.id}/export`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id/export (someone else’s)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', userSubject(w, w.other.id)),
        a.can('read', subject('AuditEvent', { organizationId: w.organizationId })),
        200,
      ),
    run: (t, w) =>
      t.http.get(`/api/v1/users/${w.other.id}/export`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id/sessions (someone else’s)',
    expected: (a, w) =>
      !a.can('read', 'Session')
        ? 403
        : visibleThen(a.can('read', userSubject(w, w.other.id)), true, 200),
    run: (t, w) =>
      t.http.get(`/api/v1/users/${w.other.id}/sessions`).set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /users/:id/sessions (someone else’s)',
    expected: (a, w) =>
      !a.can('revoke', 'Session')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, w.other.id)),
            a.can('revoke', sessionSubject(w, w.other.id)),
            204,
          ),
    run: (t, w) =>
      t.http.delete(`/api/v1/users/${w.other.id}/sessions`).set('authorization', w.caller.auth),
  },
  {
    name: 'POST /users/bulk',
    expected: (a) => (a.can('update', 'User') ? 200 : 403),
    run: (t, w) =>
      t.http
        .post('/api/v1/users/bulk')
        .set('authorization', w.caller.auth)
        .send({ action: 'activate', userIds: [w.other.id] }),
  },
  {
    name: 'GET /groups',
    expected: (a) => (a.can('read', 'Group') ? 200 : 403),
    run: (t, w) => t.http.get('/api/v1/groups').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /groups',
    expected: (a, w) =>
      a.can('create', subject('Group', { organizationId: w.organizationId })) ? 201 : 403,
    run: (t, w) =>
      t.http
        .post('/api/v1/groups')
        .set('authorization', w.caller.auth)
        .send({ name: `made by ${w.caller.username}` }),
  },
  {
    name: 'GET /groups/:id (own)',
    expected: (a, w) => visibleThen(a.can('read', groupSubject(w, w.ownGroupId)), true, 200),
    run: (t, w) => t.http.get(`/api/v1/groups/${w.ownGroupId}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /groups/:id (someone else’s)',
    expected: (a, w) => visibleThen(a.can('read', groupSubject(w, w.otherGroupId)), true, 200),
    run: (t, w) =>
      t.http.get(`/api/v1/groups/${w.otherGroupId}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /groups/:id (another organization’s)',
    expected: (a) => (a.can('read', 'Group') ? 404 : 403),
    run: (t, w) =>
      t.http.get(`/api/v1/groups/${w.foreignGroupId}`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /groups/:id/members (someone else’s)',
    expected: (a, w) => visibleThen(a.can('read', groupSubject(w, w.otherGroupId)), true, 200),
    run: (t, w) =>
      t.http.get(`/api/v1/groups/${w.otherGroupId}/members`).set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /groups/:id (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'Group')
        ? 403
        : visibleThen(
            a.can('read', groupSubject(w, w.otherGroupId)),
            a.can('update', groupSubject(w, w.otherGroupId)),
            200,
          ),
    run: (t, w) =>
      t.http
        .patch(`/api/v1/groups/${w.otherGroupId}`)
        .set('authorization', w.caller.auth)
        .send({ description: `touched by ${w.caller.username}` }),
  },
  {
    name: 'POST /groups/:id/members and DELETE /groups/:id/members/:userId (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'Group')
        ? 403
        : visibleThen(
            a.can('read', groupSubject(w, w.otherGroupId)),
            a.can('update', groupSubject(w, w.otherGroupId)),
            204,
          ),
    run: async (t, w) => {
      const added = await t.http
        .post(`/api/v1/groups/${w.otherGroupId}/members`)
        .set('authorization', w.caller.auth)
        .send({ userIds: [w.other.id] });
      if (added.status !== 200) return added;
      return t.http
        .delete(`/api/v1/groups/${w.otherGroupId}/members/${w.other.id}`)
        .set('authorization', w.caller.auth);
    },
  },
  {
    name: 'DELETE /groups/:id (a group of someone else’s)',
    expected: (a, w) =>
      !a.can('delete', 'Group')
        ? 403
        : visibleThen(
            a.can('read', groupSubject(w, 'fresh')),
            a.can('delete', groupSubject(w, 'fresh')),
            204,
          ),
    run: async (t, w) => {
      const group = await t.http
        .post('/api/v1/groups')
        .set('authorization', w.owner.auth)
        .send({ name: `doomed ${Math.random()}` })
        .expect(201);
      return t.http.delete(`/api/v1/groups/${group.body.id}`).set('authorization', w.caller.auth);
    },
  },
  {
    name: 'GET /sso-connections',
    expected: (a, w) => ssoStatus(a, w, 'read', 200),
    run: (t, w) => t.http.get('/api/v1/sso-connections').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /sso-connections',
    expected: (a, w) => (a.can('create', ssoSubject(w)) ? 201 : 403),
    run: (t, w) =>
      t.http.post('/api/v1/sso-connections').set('authorization', w.caller.auth).send(ssoBody()),
  },
  {
    name: 'GET /sso-connections/:id',
    expected: (a, w) => ssoStatus(a, w, 'read', 200),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/sso-connections/${await ssoConnectionBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /sso-connections/:id (another organization’s)',
    expected: (a, w) => ssoStatus(a, w, 'read', 404),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/sso-connections/${await ssoConnectionBy(t, w.foreign)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /sso-connections/:id',
    expected: (a, w) => ssoStatus(a, w, 'update', 200),
    run: async (t, w) =>
      t.http
        .patch(`/api/v1/sso-connections/${await ssoConnectionBy(t, w.owner)}`)
        .set('authorization', w.caller.auth)
        .send({ enabled: false }),
  },
  {
    name: 'DELETE /sso-connections/:id',
    expected: (a, w) => ssoStatus(a, w, 'delete', 204),
    run: async (t, w) =>
      t.http
        .delete(`/api/v1/sso-connections/${await ssoConnectionBy(t, w.owner)}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /sso-connections/:id (another organization’s)',
    expected: (a, w) => ssoStatus(a, w, 'delete', 404),
    run: async (t, w) =>
      t.http
        .delete(`/api/v1/sso-connections/${await ssoConnectionBy(t, w.foreign)}`)
        .set('authorization', w.caller.auth),
  },
];

/** Second factors: everyone manages their own; an admin's view and reset follow the User rights. */
cases.push(
  {
    name: 'GET /me/mfa',
    expected: () => 200,
    run: (t, w) => t.http.get('/api/v1/me/mfa').set('authorization', w.caller.auth),
  },
  {
    name: 'POST /me/mfa/totp',
    expected: () => 201,
    run: (t, w) =>
      t.http
        .post('/api/v1/me/mfa/totp')
        .set('authorization', w.caller.auth)
        .send({ name: 'Phone' }),
  },
  {
    name: 'POST /me/mfa/webauthn/registration-options',
    expected: () => 200,
    run: (t, w) =>
      t.http
        .post('/api/v1/me/mfa/webauthn/registration-options')
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id/mfa (someone else’s)',
    expected: (a, w) =>
      !a.can('read', 'User')
        ? 403
        : visibleThen(a.can('read', userSubject(w, w.other.id)), true, 200),
    run: (t, w) =>
      t.http.get(`/api/v1/users/${w.other.id}/mfa`).set('authorization', w.caller.auth),
  },
  {
    name: 'GET /users/:id/mfa (another organization’s)',
    expected: () => 404,
    run: (t, w) =>
      t.http.get(`/api/v1/users/${w.foreign.id}/mfa`).set('authorization', w.caller.auth),
  },
  {
    name: 'DELETE /users/:id/mfa (someone else’s)',
    expected: (a, w) =>
      !a.can('update', 'User')
        ? 403
        : visibleThen(
            a.can('read', userSubject(w, w.other.id)),
            a.can('update', userSubject(w, w.other.id)),
            204,
          ),
    run: (t, w) =>
      t.http.delete(`/api/v1/users/${w.other.id}/mfa`).set('authorization', w.caller.auth),
  },
);

/**
 * Access reviews: campaigns and their items are matched by who reviews them
 * (the `assigned` scope), so each case sets up a campaign, made by the Owner,
 * over one membership of the plain user `other`, reviewed by `reviewerOf(w)`.
 */
const reviewSubject = (w: World, reviewerIds: string[]) =>
  subject('AccessReview', { organizationId: w.organizationId, reviewerIds });
const reviewItemSubject = (w: World, reviewerIds: string[]) =>
  subject('AccessReviewItem', { organizationId: w.organizationId, reviewerIds });
let reviewCounter = 0;
/** A campaign reviewed by `reviewerId` with one item about `w.other`; returns its id and the item's. */
const reviewOf = async (t: TestApp, w: World, reviewerId: string) => {
  reviewCounter += 1;
  const group = await t.http
    .post('/api/v1/groups')
    .set('authorization', w.owner.auth)
    .send({ name: `reviewed ${reviewCounter}` })
    .expect(201);
  await t.http
    .post(`/api/v1/groups/${group.body.id}/members`)
    .set('authorization', w.owner.auth)
    .send({ userIds: [w.other.id] })
    .expect(200);
  const campaign = await t.http
    .post('/api/v1/access-reviews')
    .set('authorization', w.owner.auth)
    .send({
      name: `review ${reviewCounter}`,
      scope: { type: 'group', id: group.body.id },
      reviewing: ['groups'],
      reviewers: { managers: false, userIds: [reviewerId] },
      dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    })
    .expect(201);
  const items = await t.http
    .get(`/api/v1/access-reviews/items?campaignId=${campaign.body.id}`)
    .set('authorization', w.owner.auth)
    .expect(200);
  return { id: campaign.body.id as string, itemId: items.body.items[0].id as string };
};
const dueIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
cases.push(
  {
    name: 'POST /access-reviews',
    expected: (a, w) => (a.can('create', reviewSubject(w, [])) ? 201 : 403),
    run: (t, w) =>
      t.http
        .post('/api/v1/access-reviews')
        .set('authorization', w.caller.auth)
        .send({
          name: 'matrix probe',
          scope: { type: 'group', id: w.otherGroupId },
          reviewing: ['groups'],
          reviewers: { managers: false, userIds: [w.owner.id] },
          dueAt: dueIn(7),
        }),
  },
  {
    name: 'GET /access-reviews and /access-reviews/items',
    expected: () => 200,
    run: async (t, w) => {
      await t.http.get('/api/v1/access-reviews').set('authorization', w.caller.auth).expect(200);
      return t.http.get('/api/v1/access-reviews/items').set('authorization', w.caller.auth);
    },
  },
  {
    name: 'GET /access-reviews/:id (one the caller reviews)',
    expected: (a, w) => (a.can('read', reviewSubject(w, [w.caller.id])) ? 200 : 404),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/access-reviews/${(await reviewOf(t, w, w.caller.id)).id}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /access-reviews/:id (someone else’s)',
    expected: (a, w) => (a.can('read', reviewSubject(w, [w.owner.id])) ? 200 : 404),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/access-reviews/${(await reviewOf(t, w, w.owner.id)).id}`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'PATCH /access-reviews/:id (someone else’s)',
    // Without the right on any campaign, the route itself refuses (403) before looking.
    expected: (a, w) =>
      !a.can('update', 'AccessReview')
        ? 403
        : visibleThen(
            a.can('read', reviewSubject(w, [w.owner.id])),
            a.can('update', reviewSubject(w, [w.owner.id])),
            200,
          ),
    run: async (t, w) =>
      t.http
        .patch(`/api/v1/access-reviews/${(await reviewOf(t, w, w.owner.id)).id}`)
        .set('authorization', w.caller.auth)
        .send({ dueAt: dueIn(14) }),
  },
  {
    name: 'POST /access-reviews/:id/complete (one the caller reviews)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', reviewSubject(w, [w.caller.id])),
        a.can('update', reviewSubject(w, [w.caller.id])),
        200,
      ),
    run: async (t, w) =>
      t.http
        .post(`/api/v1/access-reviews/${(await reviewOf(t, w, w.caller.id)).id}/complete`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'GET /access-reviews/:id/report (someone else’s)',
    // Without the right on any campaign, the route itself refuses (403) before looking.
    expected: (a, w) =>
      !a.can('export', 'AccessReview')
        ? 403
        : visibleThen(
            a.can('read', reviewSubject(w, [w.owner.id])),
            a.can('export', reviewSubject(w, [w.owner.id])),
            200,
          ),
    run: async (t, w) =>
      t.http
        .get(`/api/v1/access-reviews/${(await reviewOf(t, w, w.owner.id)).id}/report`)
        .set('authorization', w.caller.auth),
  },
  {
    name: 'POST /access-reviews/items/:itemId/decision (an item the caller reviews)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', reviewItemSubject(w, [w.caller.id])),
        a.can('decide', reviewItemSubject(w, [w.caller.id])),
        200,
      ),
    run: async (t, w) =>
      t.http
        .post(`/api/v1/access-reviews/items/${(await reviewOf(t, w, w.caller.id)).itemId}/decision`)
        .set('authorization', w.caller.auth)
        .send({ decision: 'keep' }),
  },
  {
    name: 'POST /access-reviews/items/:itemId/decision (someone else’s item)',
    expected: (a, w) =>
      visibleThen(
        a.can('read', reviewItemSubject(w, [w.owner.id])),
        a.can('decide', reviewItemSubject(w, [w.owner.id])),
        200,
      ),
    run: async (t, w) =>
      t.http
        .post(`/api/v1/access-reviews/items/${(await reviewOf(t, w, w.owner.id)).itemId}/decision`)
        .set('authorization', w.caller.auth)
        .send({ decision: 'keep' }),
  },
  {
    name: 'POST /access-reviews/items/decisions',
    expected: (a, w) => (a.can('decide', reviewItemSubject(w, [w.caller.id])) ? 200 : 403),
    run: async (t, w) =>
      t.http
        .post('/api/v1/access-reviews/items/decisions')
        .set('authorization', w.caller.auth)
        .send({
          decisions: [{ itemId: (await reviewOf(t, w, w.caller.id)).itemId, decision: 'keep' }],
        }),
  },
);

/**
 * SCIM provisioning: no role holds it (only organization keys issued with the
 * SCIM grant do), so the matrix decides every answer here too; errors under
 * /scim/v2 are SCIM Error documents.
 */
const scimSubject = (w: World) => subject('Scim', { organizationId: w.organizationId });
const SCIM_GROUP_PROBE = '00000000-0000-4000-8000-000000000001';
const scimRoutes: Array<
  [
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: (w: World) => string,
    action: 'read' | 'create' | 'update' | 'delete',
    ok: number,
  ]
> = [
  ['get', () => '/scim/v2/ServiceProviderConfig', 'read', 200],
  ['get', () => '/scim/v2/ResourceTypes', 'read', 200],
  ['get', () => '/scim/v2/ResourceTypes/User', 'read', 200],
  ['get', () => '/scim/v2/Schemas', 'read', 200],
  ['get', () => '/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User', 'read', 200],
  ['get', () => '/scim/v2/Users', 'read', 200],
  ['get', (w) => `/scim/v2/Users/${w.other.id}`, 'read', 200],
  ['post', () => '/scim/v2/Users', 'create', 201],
  ['put', (w) => `/scim/v2/Users/${w.other.id}`, 'update', 200],
  ['patch', (w) => `/scim/v2/Users/${w.other.id}`, 'update', 200],
  ['delete', (w) => `/scim/v2/Users/${w.other.id}`, 'delete', 204],
  ['get', () => '/scim/v2/Groups', 'read', 200],
  ['get', () => `/scim/v2/Groups/${SCIM_GROUP_PROBE}`, 'read', 404],
  ['post', () => '/scim/v2/Groups', 'create', 201],
  ['put', () => `/scim/v2/Groups/${SCIM_GROUP_PROBE}`, 'update', 404],
  ['patch', () => `/scim/v2/Groups/${SCIM_GROUP_PROBE}`, 'update', 404],
  ['delete', () => `/scim/v2/Groups/${SCIM_GROUP_PROBE}`, 'delete', 404],
];
cases.push(
  ...scimRoutes.map(([method, path, action, ok]): Case => ({
    name: `${method.toUpperCase()} ${path({ other: { id: ':id' } } as World).replace(SCIM_GROUP_PROBE, ':id')}`,
    expected: (a, w) => (a.can(action, scimSubject(w)) ? ok : 403),
    run: (t, w) =>
      t.http[method](path(w))
        .set('authorization', w.caller.auth)
        .send(
          method === 'post' || method === 'put'
            ? { userName: 'matrix-probe', displayName: 'probe' }
            : method === 'patch'
              ? { Operations: [] }
              : undefined,
        ),
  })),
);

describe('Authorization matrix over HTTP, derived from src/authz/matrix.ts', () => {
  let t: TestApp;
  let principals: Record<BuiltInRoleKey, SignedIn>;
  let organizationId: string;
  let foreign: SignedIn;
  let otherGroupId: string;
  let foreignGroupId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { ALLOW_ORGANIZATION_SIGNUP: 'true' } });
    principals = await principalsForEveryRole(t);
    organizationId = (
      await t.http.get('/api/v1/organization').set('authorization', principals.owner.auth)
    ).body.id;
    const signup = await t.http.post('/api/v1/organizations').send({
      slug: 'elsewhere',
      name: 'Elsewhere Inc',
      owner: {
        username: 'foreign-owner',
        email: 'foreign@elsewhere.example',
        password: 'plum-tangerine-gazebo',
      },
    });
    expect(signup.status).toBe(201);
    foreign = await signIn(t, 'elsewhere', 'foreign-owner', 'plum-tangerine-gazebo');
    otherGroupId = (
      await t.http
        .post('/api/v1/groups')
        .set('authorization', principals.owner.auth)
        .send({ name: 'Nobody’s' })
        .expect(201)
    ).body.id;
    foreignGroupId = (
      await t.http
        .post('/api/v1/groups')
        .set('authorization', foreign.auth)
        .send({ name: 'Foreign' })
        .expect(201)
    ).body.id;
  }, 60_000);
  afterAll(() => t.close());

  describe.each(BUILT_IN_ROLE_KEYS.map((role) => [role]))('as %s', (role) => {
    let world: World;

    beforeAll(async () => {
      const other = await createUser(t, principals.owner, ['user']);
      const ownGroup = await t.http
        .post('/api/v1/groups')
        .set('authorization', principals.owner.auth)
        .send({ name: `${role} members` })
        .expect(201);
      await t.http
        .post(`/api/v1/groups/${ownGroup.body.id}/members`)
        .set('authorization', principals.owner.auth)
        .send({ userIds: [principals[role].id] })
        .expect(200);
      world = {
        organizationId,
        caller: principals[role],
        owner: principals.owner,
        other,
        foreign,
        ownGroupId: ownGroup.body.id,
        otherGroupId,
        foreignGroupId,
      };
    });

    it.each(cases.map((c) => [c.name, c]))('%s', async (_name, c) => {
      const expected = c.expected(abilityOf(role, world), world);
      const response = await c.run(t, world);
      if (response.status !== expected) {
        throw new Error(
          `${role} ${c.name}: expected ${expected}, got ${response.status} ${JSON.stringify((response as { body?: unknown }).body)}`,
        );
      }
      if (expected >= 400 && c.name.includes(' /scim/v2/')) {
        expect(response.status).toBe(expected);
        const body = JSON.parse((response as unknown as { text: string }).text) as {
          schemas: string[];
          status: string;
        };
        expect(body).toMatchObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: String(expected),
        });
      } else if (expected >= 400) {
        expectProblem(response as Parameters<typeof expectProblem>[0], expected);
      }
    });
  });

  it('lists other people’s sessions only to roles that may read them', async () => {
    for (const role of BUILT_IN_ROLE_KEYS) {
      const caller = principals[role];
      const world: World = {
        organizationId,
        caller,
        owner: principals.owner,
        other: principals.user,
        foreign,
        ownGroupId: otherGroupId,
        otherGroupId,
        foreignGroupId,
      };
      const response = await t.http
        .get('/api/v1/sessions')
        .set('authorization', caller.auth)
        .expect(200);
      const userIds = new Set(
        (response.body.items as Array<{ userId: string }>).map((item) => item.userId),
      );
      const seesOthers = abilityOf(role, world).can('read', sessionSubject(world, 'someone-else'));
      expect([role, userIds.size > 1]).toEqual([role, seesOthers]);
      expect(userIds.has(caller.id)).toBe(true);
      expect(userIds.has(foreign.id)).toBe(false);
    }
  });
});
