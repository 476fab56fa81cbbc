import { AsyncLocalStorage } from 'node:async_hooks';

/** What the request context carries for audit events: where the request came from. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export const NO_REQUEST: RequestMeta = { requestId: null, ip: null, userAgent: null };

const current = new AsyncLocalStorage<RequestMeta>();

/** Runs `next` (and everything it starts) as part of the request described by `meta`. */
export function runInRequest<T>(meta: RequestMeta, next: () => T): T {
  return current.run(meta, next);
}

/** The current request's metadata, or NO_REQUEST outside a request (jobs, CLI). */
export function requestMeta(): RequestMeta {
  return current.getStore() ?? NO_REQUEST;
}
