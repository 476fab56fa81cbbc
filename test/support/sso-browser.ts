import type { Response } from 'supertest';

/** The `name=value` of the SSO binding cookie an authorize response set, as a browser would send it back. */
export function bindingCookieOf(response: Response): string {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const binding = cookies.find((cookie) => cookie.startsWith('warden_sso='));
  if (binding === undefined) throw new Error('authorize set no warden_sso cookie');
  return binding.split(';')[0] ?? '';
}
