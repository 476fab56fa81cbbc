import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import {
  type AuditEventRow,
  chainedFieldsOf,
  chainHash,
  GENESIS_HASH,
} from '../../src/audit/audit-chain';
import { AuditService } from '../../src/audit/audit.service';
import { createUser, signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

type Row = AuditEventRow & { occurred_at: Date };

/** Recomputes an organization's chain from the stored rows; returns the first broken seq, or null. */
function firstBrokenLink(rows: Row[]): string | null {
  let prev = GENESIS_HASH;
  let expectedSeq = 1n;
  for (const row of rows) {
    const recomputed = chainHash(chainedFieldsOf(row));
    if (BigInt(row.seq) !== expectedSeq || row.prev_hash !== prev || recomputed !== row.hash)
      return row.seq;
    prev = row.hash;
    expectedSeq += 1n;
  }
  return null;
}

describe('Audit write path', () => {
  let t: TestApp;
  let owner: SignedIn;
  let db: Client;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_IP_MAX_ATTEMPTS: '10000' } });
    owner = await signInOwner(t);
    organizationId = (await t.http.get('/api/v1/organization').set('authorization', owner.auth))
      .body.id;
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const chain = async () =>
    (
      await db.query<Row>('select * from audit_events where organization_id = $1 order by seq', [
        organizationId,
      ])
    ).rows;
  const eventsFor = async (action: string, targetId: string) =>
    (
      await db.query<Row>('select * from audit_events where action = $1 and target_id = $2', [
        action,
        targetId,
      ])
    ).rows;

  it('is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(db.query("update audit_events set reason = 'tampered'")).rejects.toThrow(
      /append-only/,
    );
    await expect(db.query('delete from audit_events')).rejects.toThrow(/append-only/);
    await expect(db.query('truncate audit_events')).rejects.toThrow(/append-only/);
  });

  it('keeps an intact hash chain under 200 concurrent writers', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.http
          .patch('/api/v1/me')
          .set('authorization', owner.auth)
          .send({ displayName: `Owner ${i}` }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const rows = await chain();
    expect(rows.filter((row) => row.action === 'user.updated')).toHaveLength(200);
    expect(firstBrokenLink(rows)).toBeNull();
  }, 60_000);

  it('detects an altered event when recomputed (the chain is not decorative)', async () => {
    const rows = await chain();
    const tampered = rows.map((row, index) =>
      index === 3 ? { ...row, reason: 'edited after the fact' } : row,
    );
    expect(firstBrokenLink(tampered)).toBe(rows[3]?.seq);
    const gap = rows.filter((_, index) => index !== 5);
    expect(firstBrokenLink(gap)).toBe(rows[6]?.seq);
  });

  it('moves a head it knows in the statement that appends: no lock taken a round trip before', async () => {
    const knex = (t.app.get(MikroORM).em as EntityManager).getKnex();
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    await t.http.patch('/api/v1/me').set('authorization', owner.auth).send({ displayName: 'A' });
    knex.on('query', listener);
    try {
      await t.http
        .patch('/api/v1/me')
        .set('authorization', owner.auth)
        .send({ displayName: 'B' })
        .expect(200);
    } finally {
      knex.removeListener('query', listener);
    }
    const onHead = statements.filter((sql) => /audit_chain_heads/.test(sql));
    expect(onHead).toHaveLength(1);
    expect(onHead[0]).toMatch(/^with guess as .*head as \(\s*update audit_chain_heads/s);
    expect(onHead[0]).toMatch(/insert into audit_events/);
    expect(statements.some((sql) => /for update/i.test(sql))).toBe(false);
  });

  it('re-reads under its lock a head that moved since this process wrote it, and stays one line', async () => {
    const audit = t.app.get(AuditService);
    const em = (t.app.get(MikroORM).em as EntityManager).fork();
    const event = {
      organizationId,
      actor: { type: 'system' as const, id: null },
      action: 'organization.updated',
    };
    const before = await chain();
    // An event appended and rolled back: the process's idea of the head is one past the real one.
    await expect(
      em.transactional(async (tx) => {
        await audit.record(tx, { ...event, reason: 'rolled back' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const user = await createUser(t, owner, ['user']);
    await audit.record(em, { ...event, reason: 'after the rollback' });
    const rows = await chain();
    expect(rows.map((row) => row.reason)).not.toContain('rolled back');
    const appended = rows
      .slice(before.length)
      .map((row) => [row.action, row.target_id, row.reason]);
    expect(appended[0]).toEqual(['user.created', user.id, null]);
    expect(appended.at(-1)).toEqual(['organization.updated', null, 'after the rollback']);
    expect(firstBrokenLink(rows)).toBeNull();
  });

  it('lets concurrent appends of one process take turns, each on the head the one before wrote', async () => {
    const audit = t.app.get(AuditService);
    const orm = t.app.get(MikroORM);
    const knex = (orm.em as EntityManager).getKnex();
    const event = {
      organizationId,
      actor: { type: 'system' as const, id: null },
      action: 'organization.updated',
    };
    await audit.record((orm.em as EntityManager).fork(), { ...event, reason: 'known head' });
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    knex.on('query', listener);
    try {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (orm.em as EntityManager).fork().transactional(async (tx) => {
            await audit.record(tx, { ...event, reason: `turn ${i}` });
            // The commit comes a moment later, as it does from a busy event loop.
            await new Promise((resolve) => setTimeout(resolve, 30));
          }),
        ),
      );
    } finally {
      knex.removeListener('query', listener);
    }
    // One compare and set each: none failed and went back for the head under its lock.
    expect(statements.filter((sql) => /audit_chain_heads/.test(sql))).toHaveLength(8);
    expect(statements.some((sql) => /for update/i.test(sql))).toBe(false);
    const rows = await chain();
    expect(rows.filter((row) => row.reason?.startsWith('turn '))).toHaveLength(8);
    expect(firstBrokenLink(rows)).toBeNull();
  });

  it('waits for its turn only so long: a cycle through a row lock reaches PostgreSQL and is broken', async () => {
    const audit = t.app.get(AuditService);
    const orm = t.app.get(MikroORM);
    const event = {
      organizationId,
      actor: { type: 'system' as const, id: null },
      action: 'organization.updated',
    };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const touchOrganization = (tx: EntityManager) =>
      tx
        .getConnection()
        .execute(
          'update organizations set updated_at = updated_at where id = ?',
          [organizationId],
          'run',
          tx.getTransactionContext(),
        );
    const fork = () => (orm.em as EntityManager).fork();
    const before = (await chain()).length;
    // B holds the organization's row, Z moves the head and then waits for B's row,
    // A waits in PostgreSQL for Z's head, B waits in this process for A's turn.
    const b = fork().transactional(async (tx) => {
      await touchOrganization(tx);
      await pause(200);
      await audit.record(tx, { ...event, reason: 'B' });
    });
    await pause(50);
    const z = fork().transactional(async (tx) => {
      await audit.record(tx, { ...event, reason: 'Z' });
      await pause(100);
      await touchOrganization(tx);
    });
    await pause(50);
    const a = fork().transactional((tx) => audit.record(tx, { ...event, reason: 'A' }));
    const outcomes = await Promise.allSettled([a, b, z]);
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const failure of failed) expect(String(failure.reason)).toMatch(/deadlock/);
    const rows = await chain();
    expect(rows.length - before).toBe(outcomes.length - failed.length);
    expect(firstBrokenLink(rows)).toBeNull();
  }, 20_000);

  describe('each mutation writes exactly one event with actor, target and changes, and no secret', () => {
    const secret = 'plum-tangerine-gazebo-42';

    it('user.created', async () => {
      const user = await createUser(t, owner, ['developer']);
      const [event, ...more] = await eventsFor('user.created', user.id);
      expect(more).toHaveLength(0);
      expect(event).toMatchObject({
        actor_id: owner.id,
        actor_username: 'owner',
        actor_email: 'owner@example.com',
        target_type: 'User',
        outcome: 'success',
      });
      expect(event?.changes).toMatchObject({
        username: { to: user.username },
        roles: { to: ['developer'] },
      });
      expect(JSON.stringify(event)).not.toContain(secret);
      expect(JSON.stringify(event)).not.toMatch(/argon2|password/i);
    });

    it('user.rolesChanged with before and after', async () => {
      const user = await createUser(t, owner, ['user']);
      await t.http
        .put(`/api/v1/users/${user.id}/roles`)
        .set('authorization', owner.auth)
        .send({ roles: ['governance'] })
        .expect(200);
      const events = await eventsFor('user.rolesChanged', user.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.changes).toEqual({ roles: { from: ['user'], to: ['governance'] } });
    });

    it('user.deactivated, with the revoked sessions, and user.activated', async () => {
      const user = await createUser(t, owner, ['user']);
      await t.http
        .post(`/api/v1/users/${user.id}/deactivate`)
        .set('authorization', owner.auth)
        .expect(200);
      await t.http
        .post(`/api/v1/users/${user.id}/activate`)
        .set('authorization', owner.auth)
        .expect(200);
      expect(await eventsFor('user.deactivated', user.id)).toEqual([
        expect.objectContaining({
          changes: { status: { from: 'active', to: 'inactive' }, revokedSessions: 1 },
        }),
      ]);
      expect(await eventsFor('user.activated', user.id)).toHaveLength(1);
      expect(await eventsFor('session.revoked', user.sessionId)).toHaveLength(1);
    });

    it('organization.updated with before and after', async () => {
      await t.http
        .patch('/api/v1/organization')
        .set('authorization', owner.auth)
        .send({ name: 'Renamed Org' })
        .expect(200);
      const events = await eventsFor('organization.updated', organizationId);
      expect(events.at(-1)?.changes).toEqual({ name: { from: 'Default', to: 'Renamed Org' } });
    });

    it('role.created, role.updated and role.deleted', async () => {
      await t.http
        .post('/api/v1/roles')
        .set('authorization', owner.auth)
        .send({
          key: 'reviewer',
          name: 'Reviewer',
          permissions: [{ action: 'read', subject: 'User' }],
        })
        .expect(201);
      await t.http
        .patch('/api/v1/roles/reviewer')
        .set('authorization', owner.auth)
        .send({ name: 'Senior Reviewer' })
        .expect(200);
      await t.http.delete('/api/v1/roles/reviewer').set('authorization', owner.auth).expect(204);
      expect(await eventsFor('role.created', 'reviewer')).toHaveLength(1);
      expect((await eventsFor('role.updated', 'reviewer'))[0]?.changes).toEqual({
        name: { from: 'Reviewer', to: 'Senior Reviewer' },
      });
      expect(await eventsFor('role.deleted', 'reviewer')).toHaveLength(1);
    });

    it('auth.logout and user.passwordChanged, without the passwords', async () => {
      const user = await createUser(t, owner, ['user']);
      await t.http
        .put('/api/v1/me/password')
        .set('authorization', user.auth)
        .send({ currentPassword: secret, newPassword: 'another-long-passphrase' })
        .expect(204);
      await t.http.post('/api/v1/auth/logout').set('authorization', user.auth).expect(204);
      const changed = await eventsFor('user.passwordChanged', user.id);
      expect(changed).toHaveLength(1);
      expect(JSON.stringify(changed)).not.toMatch(/another-long-passphrase|plum-tangerine/);
      expect(await eventsFor('auth.logout', user.sessionId)).toHaveLength(1);
    });

    it('a refused authorization attempt (403) is recorded', async () => {
      const user = await createUser(t, owner, ['user']);
      await t.http
        .patch('/api/v1/organization')
        .set('authorization', user.auth)
        .send({ name: 'Mine now' })
        .expect(403);
      const { rows } = await db.query<Row>(
        "select * from audit_events where action = 'authz.denied' and actor_id = $1",
        [user.id],
      );
      expect(rows).toEqual([
        expect.objectContaining({ outcome: 'failure', reason: 'update Organization' }),
      ]);
    });
  });
});
