import { Queue, QueueEvents, Worker } from 'bullmq';
import { Client } from 'pg';
import { expectProblem } from '../support/problem';
import { ProbeModule } from '../support/probe.module';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';
import { eventually } from '../support/eventually';

describe('Service endpoints and cross-cutting behaviour', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => t.close());

  describe('X-Request-Id', () => {
    it('echoes a valid incoming request id', async () => {
      const response = await t.http.get('/health/live').set('x-request-id', 'client-abc.123');
      expect(response.headers['x-request-id']).toBe('client-abc.123');
    });

    it('replaces an unsafe one with a fresh id', async () => {
      const response = await t.http
        .get('/health/live')
        .set('x-request-id', 'evil\tid {"inject":1}');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('gives every response one, errors included', async () => {
      const response = await t.http.get('/nowhere');
      expect(response.status).toBe(404);
      expect(response.headers['x-request-id']).toBe(response.body.requestId);
    });
  });

  it('logs requests with their id and never logs credentials', async () => {
    await t.http
      .get('/api/v1/test-probe/organizations/count')
      .set('x-request-id', 'redaction-check')
      .set('authorization', 'Bearer super-secret-token-value')
      .set('cookie', 'session=cookie-secret-value')
      .set('x-api-key', 'wdn_api-key-secret-value');
    const line = (await t.settledLogs()).find((entry) => entry.includes('"id":"redaction-check"'));
    expect(line).toBeDefined();
    // One access line per request: what was asked and answered, never its headers.
    expect(JSON.parse(line as string)).toMatchObject({
      msg: 'request completed',
      req: { id: 'redaction-check', method: 'GET', url: '/api/v1/test-probe/organizations/count' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(line).not.toMatch(/headers|authorization|cookie/i);
    for (const secret of [
      'super-secret-token-value',
      'cookie-secret-value',
      'api-key-secret-value',
    ]) {
      expect(t.logs.join('\n')).not.toContain(secret);
    }
  });

  it('sets security headers and no CORS headers by default', async () => {
    const response = await t.http.get('/health/live').set('origin', 'https://evil.example');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const document = await t.http.get('/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(document.body.paths['/health/ready']).toBeDefined();
    expect(document.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.body.components.securitySchemes.apiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(document.body.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(document.body.paths['/health/live'].get.security).toEqual([{}]);
    expect(document.body.components.schemas.ProblemDocumentDto).toBeDefined();
    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('exposes Prometheus metrics with request durations by route', async () => {
    await t.http.get('/health/live');
    const response = await t.http.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} \d+/,
    );
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('applies every migration to the empty database it started on', async () => {
    const client = new Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      const migrations = await client.query<{ name: string }>(
        'select name from mikro_orm_migrations',
      );
      expect(migrations.rows.map((row) => row.name)).toContain(
        'Migration20261122000000CreateOrganizations',
      );
      const columns = await client.query<{ column_name: string }>(
        "select column_name from information_schema.columns where table_name = 'organizations' order by ordinal_position",
      );
      expect(columns.rows.map((row) => row.column_name)).toEqual([
        'id',
        'slug',
        'name',
        'settings',
        'created_at',
        'updated_at',
      ]);
    } finally {
      await client.end();
    }
  });

  it('leaves no table with two indexes of the same definition (each one is paid on every write)', async () => {
    const client = new Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      const duplicates = await client.query<{ table_name: string; indexes: string[] }>(
        `select i.indrelid::regclass::text as table_name,
                array_agg(i.indexrelid::regclass::text order by i.indexrelid::regclass::text) as indexes
           from pg_index i
           join pg_class c on c.oid = i.indrelid
          where c.relnamespace = current_schema()::regnamespace
          group by i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
                   coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                   coalesce(pg_get_expr(i.indpred, i.indrelid), '')
         having count(*) > 1`,
      );
      expect(duplicates.rows).toEqual([]);
      // The user search keeps its trigram index.
      const search = await client.query(
        "select 1 from pg_indexes where schemaname = current_schema() and indexname = 'users_search_trgm'",
      );
      expect(search.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('runs BullMQ jobs on the configured Redis under the run’s own prefix', async () => {
    const prefix = `${t.config.redisKeyPrefix}:bull`;
    const connection = { url: TEST_REDIS_URL, maxRetriesPerRequest: null };
    const queue = new Queue('probe', { connection, prefix });
    const events = new QueueEvents('probe', { connection, prefix });
    const worker = new Worker(
      'probe',
      (job) => Promise.resolve({ doubled: (job.data as { n: number }).n * 2 }),
      {
        connection,
        prefix,
      },
    );
    try {
      await events.waitUntilReady();
      const job = await queue.add('double', { n: 21 });
      await expect(job.waitUntilFinished(events, 10_000)).resolves.toEqual({ doubled: 42 });
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });
});

describe('Graceful shutdown', () => {
  it('finishes an in-flight request before closing', async () => {
    const t = await startTestApp({ imports: [ProbeModule] });
    const inFlight = t.http.get('/api/v1/test-probe/slow?ms=700').then((response) => response); // sends now
    await new Promise((resolve) => setTimeout(resolve, 150));
    await t.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ waited: 700 });
  });
});

describe('GET /health/ready while dependencies come and go', () => {
  let postgres: TcpProxy;
  let redis: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    postgres = await TcpProxy.forUrl('postgresql://127.0.0.1:5432').start();
    redis = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    t = await startTestApp({
      imports: [ProbeModule],
      databaseUrl: (url) => postgres.rewrite(url),
      redisUrl: (url) => redis.rewrite(url),
    });
  });
  afterAll(async () => {
    postgres.restore();
    redis.restore();
    await t.close();
    await postgres.stop();
    await redis.stop();
  });

  const ready = () => t.http.get('/health/ready');

  it('is 200 while PostgreSQL and Redis answer', async () => {
    const response = await ready();
    expect(response.status).toBe(200);
    expect(response.body.details).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('is 503 while Redis is unreachable and 200 again once it is back, without a restart', async () => {
    redis.cut();
    const down = await eventually(ready, (response) => response.status === 503);
    expectProblem(down, 503, /redis/);
    expect(down.headers['retry-after']).toBe('5');
    redis.restore();
    const up = await eventually(ready, (response) => response.status === 200);
    expect(up.status).toBe(200);
  });

  it('is 503 while PostgreSQL is unreachable, database routes answer 503, and both recover', async () => {
    postgres.cut();
    const down = await eventually(ready, (response) => response.status === 503);
    expectProblem(down, 503, /database/);
    const query = await t.http.get('/api/v1/test-probe/organizations/count');
    const body = expectProblem(query, 503);
    expect(body.type).toBe('urn:warden:problem:dependency-unavailable');
    postgres.restore();
    expect((await eventually(ready, (response) => response.status === 200)).status).toBe(200);
    const again = await t.http.get('/api/v1/test-probe/organizations/count');
    expect(again.status).toBe(200);
  });
});
