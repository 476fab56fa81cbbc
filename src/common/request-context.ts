import { AsyncLocalStorage } from 'node:async_hooks';

/** What the request context carries for audit events: where the request came from. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export const NO_REQUEST: RequestMeta = { requestId: null, ip: null, userAgent: null };

/**
 * One store per request. The database layer keeps its per-request state (the
 * request's EntityManager fork) in `database` rather than in an
 * AsyncLocalStorage of its own: every store a request runs in is copied onto
 * each promise it creates, so one store costs half of two.
 */
interface RequestScope {
  readonly meta: RequestMeta;
  readonly database: unknown;
}

const current = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `next` (and everything it starts) as part of the request described by
 * `meta`; `database` is the database layer's state for the request.
 */
export function runInRequest<T>(meta: RequestMeta, next: () => T, database?: unknown): T {
  return current.run({ meta, database }, next);
}

/** The database layer's state for the current request, if any. */
export function requestDatabaseState(): unknown {
  return current.getStore()?.database;
}

/** The current request's metadata, or NO_REQUEST outside a request (jobs, CLI). */
export function requestMeta(): RequestMeta {
  return current.getStore()?.meta ?? NO_REQUEST;
}
