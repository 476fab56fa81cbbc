import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../common/clock/clock';
import { REDIS } from '../infra/redis/redis.module';

export type AccountState = { locked: false } | { locked: true; until: Date };

/**
 * Brute-force protection with Keycloak's semantics (quality.md):
 * - per account: after N failures the account is locked for a while; a locked
 *   account answers exactly like a wrong password, even with the right one;
 *   attempts while locked neither count nor extend the lock; a success resets
 *   the counter. Accounts are keyed by user id (or the lower-cased login when
 *   no such user exists), so `Alice` and `alice` share one counter.
 * - per IP: more than M attempts in a window answer 429 with Retry-After.
 * Time comes from the injectable Clock. When Redis is down it fails open and
 * says so in the log: sign-in stays available, argon2 still bounds guessing.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  accountKey(organizationId: string, userId: string | null, login: string): string {
    return `login:account:${organizationId}:${userId ?? `login:${login.trim().toLowerCase()}`}`;
  }

  async accountState(key: string): Promise<AccountState> {
    const lockedUntil = await this.safely(() => this.redis.hget(key, 'lockedUntil'), null);
    if (lockedUntil === null) return { locked: false };
    const until = new Date(Number(lockedUntil));
    return until > this.clock.now() ? { locked: true, until } : { locked: false };
  }

  async recordFailure(key: string): Promise<void> {
    if ((await this.accountState(key)).locked) return; // never extend a lock
    const { maxFailures, lockoutSeconds } = this.config.loginThrottle;
    await this.safely(async () => {
      const failures = await this.redis.hincrby(key, 'failures', 1);
      if (failures >= maxFailures) {
        const until = this.clock.now().getTime() + lockoutSeconds * 1000;
        await this.redis.hset(key, { failures: 0, lockedUntil: until });
      } else {
        await this.redis.hdel(key, 'lockedUntil');
      }
      await this.redis.expire(key, Math.max(lockoutSeconds * 2, 24 * 60 * 60));
    }, undefined);
  }

  async recordSuccess(key: string): Promise<void> {
    await this.safely(() => this.redis.del(key), 0);
  }

  /** Counts an attempt from this IP; returns the seconds to wait when over the limit. */
  async ipRetryAfter(ip: string | null): Promise<number | null> {
    if (ip === null) return null;
    const { ipMaxAttempts, ipWindowSeconds } = this.config.loginThrottle;
    const key = `login:ip:${ip}`;
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
