/**
 * The signed-in session's tokens, in memory only: nothing a script injected
 * into another page, or a later visitor of this browser profile, can read
 * back from storage. A reload therefore asks to sign in again.
 */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token stops being accepted. */
  expiresAt: number;
}

let current: SessionTokens | null = null;
let refreshing: Promise<SessionTokens | null> | null = null;

/** A token that expires within this margin is refreshed before use, not after a 401. */
const REFRESH_MARGIN_MS = 30_000;

export function hold(tokens: { accessToken: string; refreshToken: string; expiresIn: number }) {
  current = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
  };
}

export function forget(): void {
  current = null;
}

export function isSignedIn(): boolean {
  return current !== null;
}

/**
 * The access token to send, refreshed first when it is about to expire.
 * Refresh tokens work once (the API rotates them and treats reuse as theft),
 * so concurrent callers share one refresh.
 */
export async function accessToken(
  refresh: (refreshToken: string) => Promise<SessionTokens | null>,
): Promise<string | null> {
  if (current === null) return null;
  if (current.expiresAt - Date.now() > REFRESH_MARGIN_MS) return current.accessToken;
  refreshing ??= refresh(current.refreshToken).finally(() => {
    refreshing = null;
  });
  current = await refreshing;
  return current?.accessToken ?? null;
}
