import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../common/clock/clock';
import { REDIS } from '../infra/redis/redis.module';
import type { User } from '../directory/users/user.entity';

/** The two counters on the user row: passwords and second-factor codes. */
const COUNTERS = {
  password: { count: 'failed_login_attempts', until: 'locked_until' },
  mfa: { count: 'failed_mfa_attempts', until: 'mfa_locked_until' },
} as const;
type Counter = (typeof COUNTERS)[keyof typeof COUNTERS];

export type AccountState = { locked: false } | { locked: true; until: Date };

/**
 * Brute-force protection with Keycloak's semantics:
 * - per account, on the user row (so admins see it and can lift it): every N
 *   consecutive failures lock the account for a while; a locked account answers
 *   exactly like a wrong password, even with the right one; attempts while
 *   locked neither count nor extend the lock; a success resets the count.
 *   Accounts are users, so `Alice`, `alice` and her email share one count; a
 *   login that names no user has no account to lock (it fails anyway).
 * - per IP, in Redis: more than M attempts in a window answer 429 with
 *   Retry-After. When Redis is down this part fails open and says so in the
 *   log: sign-in stays available, argon2 still bounds guessing.
 * Time comes from the injectable Clock.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  isLocked(user: Pick<User, 'lockedUntil'>): boolean {
    return user.lockedUntil !== null && user.lockedUntil > this.clock.now();
  }

  /** Second-factor codes lock apart from passwords, with the same thresholds. */
  isMfaLocked(user: Pick<User, 'mfaLockedUntil'>): boolean {
    return user.mfaLockedUntil !== null && user.mfaLockedUntil > this.clock.now();
  }

  /**
   * One atomic update: counts the failure unless the account is locked, and
   * locks it when the count reaches a multiple of LOGIN_MAX_FAILURES.
   */
  recordFailure(userId: string): Promise<void> {
    return this.countFailure(userId, COUNTERS.password);
  }

  recordMfaFailure(userId: string): Promise<void> {
    return this.countFailure(userId, COUNTERS.mfa);
  }

  /** Clears the count after a successful sign-in (writes only when there is something to clear). */
  async recordSuccess(
    user: Pick<User, 'id' | 'failedLoginAttempts' | 'lockedUntil'>,
  ): Promise<void> {
    if (user.failedLoginAttempts === 0 && user.lockedUntil === null) return;
    await this.clear(user.id, COUNTERS.password);
  }

  async recordMfaSuccess(
    user: Pick<User, 'id' | 'failedMfaAttempts' | 'mfaLockedUntil'>,
  ): Promise<void> {
    if (user.failedMfaAttempts === 0 && user.mfaLockedUntil === null) return;
    await this.clear(user.id, COUNTERS.mfa);
  }

  private async countFailure(userId: string, counter: Counter): Promise<void> {
    const { maxFailures, lockoutSeconds } = this.config.loginThrottle;
    const now = this.clock.now();
    await this.em.getConnection().execute(
      `update users
          set ${counter.count} = ${counter.count} + 1,
              ${counter.until} = case when (${counter.count} + 1) % ? = 0 then ?::timestamptz
                                  else ${counter.until} end
        where id = ? and (${counter.until} is null or ${counter.until} <= ?::timestamptz)`,
      [maxFailures, new Date(now.getTime() + lockoutSeconds * 1000), userId, now],
    );
  }

  private async clear(userId: string, counter: Counter): Promise<void> {
    await this.em
      .getConnection()
      .execute(`update users set ${counter.count} = 0, ${counter.until} = null where id = ?`, [
        userId,
      ]);
  }

  /** Counts an attempt from this IP; returns the seconds to wait when over the limit. */
  async ipRetryAfter(ip: string | null, kind: 'login' | 'mfa' = 'login'): Promise<number | null> {
    if (ip === null) return null;
    const { ipMaxAttempts, ipWindowSeconds } = this.config.loginThrottle;
    const key = `${kind}:ip:${ip}`;
    return this.safely(async () => {
      const attempts = await this.redis.incr(key);
      if (attempts === 1) await this.redis.expire(key, ipWindowSeconds);
      if (attempts <= ipMaxAttempts) return null;
      const ttl = await this.redis.ttl(key);
      return ttl > 0 ? ttl : ipWindowSeconds;
    }, null);
  }

  private async safely<T>(work: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.logger.warn(`Login throttling unavailable (Redis): ${(error as Error).message}`);
      return fallback;
    }
  }
}
