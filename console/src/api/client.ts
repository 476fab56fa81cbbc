import createClient, { type Middleware } from 'openapi-fetch';
import { HttpError } from 'react-admin';
import { accessToken, type SessionTokens } from '../auth/session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['ProblemDocumentDto'];

/** The console's API client: every path, body and answer typed from Warden's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin });

/** A client without the session middleware, for the calls that establish a session. */
export const publicApi = createClient<paths>({ baseUrl: window.location.origin });

async function refreshTokens(refreshToken: string): Promise<SessionTokens | null> {
  const { data } = await publicApi.POST('/api/v1/auth/refresh', { body: { refreshToken } });
  if (!data) return null;
  return {
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
    expiresAt: Date.now() + data.expiresIn * 1000,
  };
}

const bearer: Middleware = {
  async onRequest({ request }) {
    if (request.headers.has('authorization')) return request;
    const token = await accessToken(refreshTokens);
    if (token !== null) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};
api.use(bearer);

/**
 * The answer's data, or an HttpError carrying the problem document's detail
 * (what the person reads) and status (401 sends them back to sign-in).
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const problem = (result.error ?? {}) as Partial<Problem>;
  const message =
    problem.detail ?? problem.title ?? `${result.response.status} ${result.response.statusText}`;
  throw new HttpError(message, result.response.status, problem);
}
