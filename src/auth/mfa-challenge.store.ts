import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { REDIS } from '../infra/redis/redis.module';

/** How long a password sign-in waits for its second factor. */
export const MFA_CHALLENGE_SECONDS = 300;

export interface MfaChallenge {
  userId: string;
  organizationId: string;
  /** How the first factor was proven; the session's method names both ("sso+totp"). */
  primary?: 'password' | 'sso';
  /** Kept for the session's audit event (the SSO connection). */
  details?: Record<string, unknown>;
}

const keyOf = (token: string) => `mfa:challenge:${sha256Hex(token)}`;

/**
 * The step between a correct password and a session: a random token (only its
 * hash is a Redis key) that names the user for five minutes. Wrong codes keep
 * it (the person may retry until the code lockout); the accepted one uses it up.
 */
@Injectable()
export class MfaChallengeStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async issue(challenge: MfaChallenge): Promise<string> {
    const token = randomSecret();
    await this.redis.set(keyOf(token), JSON.stringify(challenge), 'EX', MFA_CHALLENGE_SECONDS);
    return token;
  }

  async find(token: string): Promise<MfaChallenge | null> {
    const value = await this.redis.get(keyOf(token));
    return value === null ? null : (JSON.parse(value) as MfaChallenge);
  }

  /** Uses the challenge up; false when another request already did. */
  async consume(token: string): Promise<boolean> {
    return (await this.redis.del(keyOf(token))) === 1;
  }
}
