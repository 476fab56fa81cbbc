/**
 * Version counters in Redis that tell every API instance when cached
 * authorization data went stale: a user's roles, groups or status
 * (`user:<id>`), an organization's custom roles (`roles:<orgId>`), an API
 * key's revocation (`apikey:<id>`).
 */
export const versionKey = {
  apiKey: (keyId: string) => `version:apikey:${keyId}`,
  user: (userId: string) => `version:user:${userId}`,
  organizationRoles: (organizationId: string) => `version:roles:${organizationId}`,
};

export const sessionCacheKey = (sessionId: string) => `session:${sessionId}`;
