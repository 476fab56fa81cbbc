/**
 * The ceiling for an authorized read: Fastify and a pg pool answering the same
 * indexed query Warden runs for GET /api/v1/users/:id (primary key within the
 * organization), with no authentication, authorization, audit or logging.
 * Run by bench/run.ts as a process of its own.
 */
import 'reflect-metadata';
import Fastify from 'fastify';
import { Pool } from 'pg';
import pino from 'pino';
import { registerRequestHooks } from '../src/common/http/request-hooks';
import { securityHeaders } from '../src/common/http/security-headers';
import { AccessLog } from '../src/common/logging/logger';
import { MetricsService } from '../src/metrics/metrics.service';

const ACCESS_LOG = '/tmp/warden-bench-bare.log';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const organizationId = process.env.ORGANIZATION_ID;
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
  const { rows } = await pool.query(
    'select id, username, email, display_name, status, roles, created_at, updated_at, last_login_at from users where organization_id = $1 and id = $2',
    [organizationId, request.params.id],
  );
  if (rows.length === 0) return reply.code(404).send({ status: 404 });
  return rows[0];
});

// The ceiling for a route with no auth and no database: Warden's GET /health/live.
app.get('/live', (_request, reply) => reply.send({ status: 'ok' }));

// The same route with what every Warden answer carries, from Warden's own code:
// its security headers and request id, the request context, the request
// histogram and an access line (to a file, as the API's). Between the bare
// route and GET /health/live it separates the cost of those duties from Nest's.
void app.register((scope, _options, done) => {
  registerRequestHooks(scope, {
    databaseState: () => undefined,
    accessLog: new AccessLog('info', pino.destination({ dest: ACCESS_LOG, sync: false })),
    metrics: new MetricsService(),
    trustProxy: false,
    headers: securityHeaders({}),
  });
  scope.get('/with-hooks/live', (_request, reply) => reply.send({ status: 'ok' }));
  done();
});

app
  .listen({ port: Number(process.env.PORT ?? 3901), host: '127.0.0.1' })
  .then(() => process.send?.('ready'))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.on('SIGTERM', () => {
  void app.close().then(() => pool.end());
});
