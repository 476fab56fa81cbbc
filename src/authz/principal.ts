import type { AppAbility } from './ability';
import type { Permission } from './vocabulary';

/** The authenticated caller of a request, as every service receives it. */
export interface Principal {
  /** A person with a session, or a personal API key acting as its owner. */
  kind: 'user' | 'apiKey';
  /** The key behind the request, for kind 'apiKey'. */
  apiKeyId?: string;
  organizationId: string;
  userId: string | null;
  username: string;
  email: string | null;
  /** The session behind an access token. */
  sessionId: string | null;
  /** The user's own role keys. */
  roles: string[];
  /** Own roles plus the roles of the user's groups. */
  effectiveRoles: string[];
  groupIds: string[];
  /** Effective permissions (self-service plus every effective role's). */
  permissions: Permission[];
  ability: AppAbility;
  /** The organization requires a second factor and this session exists only to enrol one. */
  mfaEnrolmentOnly?: boolean;
}
