import type { ClsService, ClsStore } from 'nestjs-cls';

/** What the request context carries for audit events: where the request came from. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface WardenClsStore extends ClsStore {
  meta?: RequestMeta;
}

export const NO_REQUEST: RequestMeta = { requestId: null, ip: null, userAgent: null };

/** The current request's metadata, or NO_REQUEST outside a request (jobs, CLI). */
export function requestMeta(cls: ClsService<WardenClsStore>): RequestMeta {
  return (cls.isActive() ? cls.get('meta') : undefined) ?? NO_REQUEST;
}
