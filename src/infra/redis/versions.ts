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

/** How long a session snapshot, or the mark of a revoked session, stays in Redis. */
export const SESSION_SNAPSHOT_TTL_SECONDS = 60;

/**
 * What a revoked session's snapshot key holds: a snapshot loaded from the
 * database just before the revocation committed cannot overwrite it
 * (`SET_SNAPSHOT_UNLESS_REVOKED`), so it never comes back as live.
 */
export const REVOKED_SESSION = 'revoked';

/** KEYS[1] snapshot key; ARGV snapshot, TTL, the revoked mark. Returns what the key holds after. */
export const SET_SNAPSHOT_UNLESS_REVOKED = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[3] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]`;
