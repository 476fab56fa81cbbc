import { parseCookie, stringifySetCookie } from 'cookie';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { apiPath } from '../common/http/api-path';

/**
 * Binds a started SSO sign-in to the browser that started it, closing login
 * CSRF (an attacker's own callback URL pushed into a victim's browser, which
 * would sign the victim in as the attacker). The browser keeps a random
 * 256-bit secret in a short-lived HttpOnly, SameSite=Lax cookie scoped to the
 * connection's callback path; the server keeps only its hash beside the state.
 * A forged or missing cookie cannot match: unforgeable like a MAC'd cookie, and
 * single-use with the state it belongs to.
 */
export const BINDING_COOKIE = 'warden_sso';

export function callbackPath(connectionId: string): string {
  return apiPath('auth/sso', connectionId, 'callback');
}

export function newBinding(): { secret: string; hash: string } {
  const secret = randomSecret();
  return { secret, hash: sha256Hex(secret) };
}

export function bindingCookie(
  connectionId: string,
  secret: string,
  options: { maxAgeSeconds: number; secure: boolean },
): string {
  return stringifySetCookie(BINDING_COOKIE, secret, {
    path: callbackPath(connectionId),
    maxAge: options.maxAgeSeconds,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
  });
}

/** The cookie that ends a binding once its callback has run. */
export function clearedBindingCookie(connectionId: string, secure: boolean): string {
  return bindingCookie(connectionId, '', { maxAgeSeconds: 0, secure });
}

/** The binding secret the request's Cookie header carries, or '' (never matches a hash). */
export function bindingFrom(cookieHeader: string | undefined): string {
  if (cookieHeader === undefined || cookieHeader.length > 8192) return '';
  return parseCookie(cookieHeader)[BINDING_COOKIE] ?? '';
}

export function matchesBinding(secret: string, hash: string): boolean {
  return secret !== '' && sha256Hex(secret) === hash;
}
