import { Client } from 'pg';
import { AuditPartitionsService } from '../../src/audit/audit-partitions.service';
import { ManualClock } from '../support/manual-clock';
import { signInOwner, type SignedIn } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';

const DAY_SECONDS = 86_400;

describe('Audit partitions and retention', () => {
  const clock = new ManualClock(new Date('2026-01-10T12:00:00Z'));
  let t: TestApp;
  let db: Client;
  let partitions: AuditPartitionsService;
  let organizationId: string;

  const owner = () => signInOwner(t);
  const createGroup = async (as: SignedIn, name: string) =>
    t.http.post('/api/v1/groups').set('authorization', as.auth).send({ name }).expect(201);
  const monthsOnDisk = async () =>
    (
      await db.query<{ name: string }>(
        `select child.relname as name from pg_inherits
           join pg_class child on child.oid = inhrelid join pg_class parent on parent.oid = inhparent
          where parent.relname = $1 order by 1`,
        [`audit_events_o${organizationId.replace(/-/g, '')}`],
      )
    ).rows.map((row) => row.name.slice(-6));
  const eventsIn = async (from: string, to: string) =>
    Number(
      (
        await db.query<{ count: string }>(
          'select count(*) from audit_events where organization_id = $1 and occurred_at >= $2 and occurred_at < $3',
          [organizationId, from, to],
        )
      ).rows[0]?.count,
    );

  beforeAll(async () => {
    // The jobs are called directly; no scheduler runs them in between.
    t = await startTestApp({ clock, env: { WORKERS_ENABLED: 'false' } });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    partitions = t.app.get(AuditPartitionsService);
    const january = await owner();
    organizationId = (
      await t.http.get('/api/v1/organization').set('authorization', january.auth).expect(200)
    ).body.id;
    await createGroup(january, 'January group');
    clock.advance(36 * DAY_SECONDS); // 2026-02-15
    await createGroup(await owner(), 'February group');
    clock.advance(33 * DAY_SECONDS); // 2026-03-20
    // Two Owner sign-ins (argon2) and an app start: under CI's full load this took over 30 s once.
  }, 60_000);
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('stores events partitioned per organization and month, still append-only', async () => {
    const { rows } = await db.query<{ strategy: string }>(
      "select partstrat as strategy from pg_partitioned_table where partrelid = 'audit_events'::regclass",
    );
    expect(rows[0]?.strategy).toBe('l');
    expect(await monthsOnDisk()).toEqual(['202601', '202602']);
    await expect(db.query("update audit_events set action = 'x.y'")).rejects.toThrow(/append-only/);
    await expect(db.query('delete from audit_events')).rejects.toThrow(/append-only/);
  });

  it('creates this month and the next ahead of the writers, idempotently', async () => {
    await partitions.createUpcoming();
    await partitions.createUpcoming();
    expect(await monthsOnDisk()).toEqual(['202601', '202602', '202603', '202604']);
  });

  it('drops whole months past the retention, records it, and verification still holds', async () => {
    const signedIn = await owner();
    await t.http
      .patch('/api/v1/organization')
      .set('authorization', signedIn.auth)
      .send({ settings: { auditRetentionDays: 30 } })
      .expect(200);
    const january = await eventsIn('2026-01-01', '2026-02-01');
    const february = await eventsIn('2026-02-01', '2026-03-01');
    expect(january).toBeGreaterThan(0);

    // 2026-03-20 minus 30 days is 2026-02-18: January ended before it, February did not.
    const result = await partitions.applyRetention();
    expect(result).toEqual({ dropped: [`${organizationId}:2026-01`], events: january });
    expect(await monthsOnDisk()).toEqual(['202602', '202603', '202604']);
    expect(await eventsIn('2026-01-01', '2026-02-01')).toBe(0);
    expect(await eventsIn('2026-02-01', '2026-03-01')).toBe(february);

    const again = await partitions.applyRetention();
    expect(again).toEqual({ dropped: [], events: 0 });

    const latest = await t.http
      .get('/api/v1/audit-events?action=auditEvent.retentionApplied')
      .set('authorization', signedIn.auth)
      .expect(200);
    expect(latest.body.items).toHaveLength(1);
    expect(latest.body.items[0]).toMatchObject({
      actor: { type: 'system' },
      changes: { month: '2026-01', deleted: january, retentionDays: 30 },
    });

    // The first kept event links to the dropped month's last one: a valid chain start.
    const verified = await t.http
      .get('/api/v1/audit-events/verify')
      .set('authorization', signedIn.auth)
      .expect(200);
    expect(verified.body).toMatchObject({ valid: true });
    expect(verified.body.checked).toBe(await eventsIn('2026-01-01', '2027-01-01'));
  });

  it('still names a removed event after the retention boundary', async () => {
    const { rows } = await db.query<{ id: string; seq: string }>(
      'select id, seq from audit_events where organization_id = $1 order by seq limit 2',
      [organizationId],
    );
    const [first, second] = rows;
    await db.query('alter table audit_events disable trigger audit_events_append_only');
    await db.query('delete from audit_events where id = $1', [first?.id]);
    await db.query('alter table audit_events enable trigger audit_events_append_only');
    const verified = await t.http
      .get('/api/v1/audit-events/verify')
      .set('authorization', (await owner()).auth)
      .expect(200);
    expect(verified.body).toMatchObject({
      valid: false,
      firstInvalid: { id: second?.id, seq: second?.seq, reason: 'missing predecessor' },
    });
  });
});
