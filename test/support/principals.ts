import { BUILT_IN_ROLE_KEYS, type BuiltInRoleKey } from '../../src/authz/vocabulary';
import type { TestApp } from './test-app';

export const BOOTSTRAP_PASSWORD = 'correct-horse-battery-staple';
export const TEST_PASSWORD = 'plum-tangerine-gazebo-42';

export interface SignedIn {
  id: string;
  username: string;
  email: string | null;
  roles: string[];
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  /** `Authorization` header value. */
  auth: string;
}

export async function login(t: TestApp, organization: string, login: string, password: string) {
  return t.http.post('/api/v1/auth/login').send({ organization, login, password });
}

/** Signs in and returns the caller's tokens and identity; fails the test when sign-in fails. */
export async function signIn(
  t: TestApp,
  organization: string,
  username: string,
  password: string,
): Promise<SignedIn> {
  const response = await login(t, organization, username, password);
  if (response.status !== 200)
    throw new Error(
      `sign-in of ${username} failed: ${response.status} ${JSON.stringify(response.body)}`,
    );
  const me = await t.http
    .get('/api/v1/me')
    .set('authorization', `Bearer ${response.body.accessToken}`);
  return {
    id: me.body.user.id,
    username,
    email: me.body.user.email,
    roles: me.body.user.roles,
    accessToken: response.body.accessToken,
    refreshToken: response.body.refreshToken,
    sessionId: response.body.sessionId,
    auth: `Bearer ${response.body.accessToken}`,
  };
}

/** The bootstrap Owner of the default organization. */
export function signInOwner(t: TestApp): Promise<SignedIn> {
  return signIn(
    t,
    t.config.bootstrap.orgSlug,
    t.config.bootstrap.ownerUsername,
    BOOTSTRAP_PASSWORD,
  );
}

let counter = 0;

/** Creates a user with these roles through the API (as `creator`) and signs them in. */
export async function createUser(
  t: TestApp,
  creator: SignedIn,
  roles: string[],
  options: { username?: string; organization?: string } = {},
): Promise<SignedIn> {
  counter += 1;
  const username = options.username ?? `${roles.join('-').replace(/_/g, '')}${counter}`;
  const response = await t.http
    .post('/api/v1/users')
    .set('authorization', creator.auth)
    .send({ username, email: `${username}@example.com`, password: TEST_PASSWORD, roles });
  if (response.status !== 201)
    throw new Error(
      `creating ${username} failed: ${response.status} ${JSON.stringify(response.body)}`,
    );
  return signIn(t, options.organization ?? t.config.bootstrap.orgSlug, username, TEST_PASSWORD);
}

/** One signed-in user per built-in role (the Owner is the bootstrap one). */
export async function principalsForEveryRole(
  t: TestApp,
): Promise<Record<BuiltInRoleKey, SignedIn>> {
  const owner = await signInOwner(t);
  const entries: Array<[BuiltInRoleKey, SignedIn]> = [['owner', owner]];
  for (const role of BUILT_IN_ROLE_KEYS.filter((key) => key !== 'owner')) {
    entries.push([role, await createUser(t, owner, [role])]);
  }
  return Object.fromEntries(entries) as Record<BuiltInRoleKey, SignedIn>;
}
