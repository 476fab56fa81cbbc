const RETURN_PATH_KEY = 'warden.returnPath';

/**
 * The console page to come back to after signing in through an IdP: the page
 * reloads on the way back, so the path waits in this tab's session storage
 * (never a token).
 */
export function rememberReturnPath(path: string): void {
  sessionStorage.setItem(RETURN_PATH_KEY, path);
}

/** The remembered page, once; a path of the console only (never another origin). */
export function takeReturnPath(): string {
  const path = sessionStorage.getItem(RETURN_PATH_KEY) ?? '/';
  sessionStorage.removeItem(RETURN_PATH_KEY);
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/login') ? path : '/';
}
