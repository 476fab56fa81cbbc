import type { AuthProvider, UserIdentity } from 'react-admin';
import { api, publicApi, unwrap, type Schemas } from '../api/client';
import { abilityFrom, allows, type ConsoleAbility } from './ability';
import { forget, hold, isSignedIn } from './session';

export interface Credentials {
  organization: string;
  username: string;
  password: string;
}

/** The second step of a sign-in: the challenge the password step answered, and one proof. */
export interface SecondFactor {
  challengeToken: string;
  code?: string;
  recoveryCode?: string;
}

type MfaChallenge = Schemas['MfaChallengeResponseDto'];

/** The password was right and the account has a second factor: the sign-in page asks for it. */
export class SecondFactorRequired extends Error {
  constructor(readonly challenge: MfaChallenge) {
    super('Enter the code from your authenticator app.');
  }
}

type Me = Schemas['MeResponseDto'];

interface Identity {
  document: Me;
  ability: ConsoleAbility;
}

/**
 * Roles change under a signed-in person (an administrator promotes them), so
 * GET /me is read again once this old: a page, with its dozens of access
 * checks, asks once; the next page after a change shows the new rights.
 */
const ME_FRESH_MS = 5_000;
let me: { read: Promise<Identity>; at: number } | null = null;

export function currentMe(): Promise<Identity> {
  if (me !== null && Date.now() - me.at < ME_FRESH_MS) return me.read;
  const read = api.GET('/api/v1/me').then((result) => {
    const document: Me = unwrap(result);
    return { document, ability: abilityFrom(document.permissions) };
  });
  me = { read, at: Date.now() };
  read.catch(() => {
    if (me?.read === read) me = null;
  });
  return read;
}

/** Holds tokens from a sign-in (password here, SSO through its one-time code). */
export async function startSession(tokens: Schemas['TokenResponseDto']): Promise<void> {
  hold(tokens);
  me = null;
  await currentMe();
}

export const authProvider: AuthProvider = {
  async login(params: Credentials | SecondFactor) {
    if ('challengeToken' in params) {
      const { challengeToken, code, recoveryCode } = params;
      const body = { challengeToken, code, recoveryCode };
      await startSession(unwrap(await publicApi.POST('/api/v1/auth/mfa/verify', { body })));
      return;
    }
    const { organization, username, password } = params;
    const result = await publicApi.POST('/api/v1/auth/login', {
      body: { organization, login: username, password },
    });
    const answer = unwrap(result);
    if ('mfaRequired' in answer) throw new SecondFactorRequired(answer);
    await startSession(answer);
  },

  async logout() {
    if (isSignedIn()) {
      // Ends the session on the server too; a failure (already revoked) changes nothing here.
      await api.POST('/api/v1/auth/logout').catch(() => undefined);
    }
    forget();
    me = null;
  },

  checkAuth() {
    return isSignedIn() ? Promise.resolve() : Promise.reject(new Error('Please sign in.'));
  },

  checkError(error: { status?: number }) {
    if (error?.status !== 401) return Promise.resolve();
    forget();
    me = null;
    return Promise.reject(new Error('Your session has ended. Please sign in again.'));
  },

  async getIdentity(): Promise<UserIdentity> {
    const { document } = await currentMe();
    return {
      id: document.user.id,
      fullName: document.user.displayName ?? document.user.username,
    };
  },

  async canAccess({ action, resource, record }) {
    if (!isSignedIn()) return false;
    const { document, ability } = await currentMe();
    return allows(ability, document.organization.id, action, resource, record);
  },
};
