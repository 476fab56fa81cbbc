import type { FastifyInstance } from 'fastify';
import type { AccessLog } from '../logging/logger';
import { clientIp } from '../logging/client-ip';
import { runInRequest } from '../request-context';

/** Where request durations go (the metrics feature's Prometheus histogram). */
export interface RequestObserver {
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
}

export interface RequestHookDependencies {
  /** The database layer's state for a new request (its EntityManager fork, made on first use). */
  databaseState: () => unknown;
  /** The access log: one line per request. */
  accessLog: AccessLog;
  metrics: RequestObserver;
  trustProxy: boolean;
  /** Response headers every answer carries (security headers). */
  headers: Readonly<Record<string, string>>;
}

/**
 * What every request gets, as two plain Fastify hooks rather than Nest
 * middleware (which Fastify can only run through @fastify/middie):
 * - on arrival, the security headers and its id echoed in X-Request-Id, and the request context that
 *   audit events read (id, client address, user agent) together with the
 *   request's own MikroORM EntityManager fork, in one AsyncLocalStorage store;
 * - once answered, its metrics and one access log line (no headers: they carry
 *   credentials; the log's asynchronous destination batches the writes).
 */
export function registerRequestHooks(
  fastify: FastifyInstance,
  deps: RequestHookDependencies,
): void {
  const { databaseState, accessLog, metrics, trustProxy, headers } = deps;
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headers).header('x-request-id', request.id);
    const meta = {
      requestId: request.id,
      ip: clientIp(request.raw, trustProxy),
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
    };
    runInRequest(meta, done, databaseState());
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (accessLog.enabled)
      accessLog.write({
        id: request.id,
        method: request.method,
        url: request.url,
        remoteAddress: clientIp(request.raw, trustProxy),
        statusCode: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
      });
    done();
  });
}
