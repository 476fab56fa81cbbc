/** API routes live under /api/v1 (URI versioning: a v2 controller can sit beside v1). */
export const API_PREFIX = 'api';
export const API_VERSION = '1';

/** The public path of an API route: `apiPath('auth/sso', id, 'callback')` → `/api/v1/auth/sso/<id>/callback`. */
export function apiPath(...segments: string[]): string {
  return `/${API_PREFIX}/v${API_VERSION}/${segments.join('/')}`;
}
