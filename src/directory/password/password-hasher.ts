import { Injectable } from '@nestjs/common';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { AppConfig } from '../../../config/app-config';

/** argon2id; the package's `Algorithm` is a const enum, which isolated modules cannot import. */
const ARGON2ID = 2;

/** OWASP / ASVS 11.4.2: argon2id with m >= 19 MiB, t >= 2, p = 1. */
export const ARGON2_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Password hashing on libuv's thread pool (native argon2), never on the event
 * loop, and at most PASSWORD_HASH_CONCURRENCY at once (cores - 1 by default):
 * four pool threads hashing on two cores would otherwise starve the event loop
 * and every other request during a sign-in flood.
 */
@Injectable()
export class PasswordHasher {
  /** A hash to verify against when the user does not exist, so both paths cost the same. */
  private dummyHash?: Promise<string>;
  private readonly limit: pLimit.Limit;

  constructor(config: AppConfig) {
    this.limit = pLimit(config.passwordHashConcurrency);
  }

  hash(password: string): Promise<string> {
    return this.limit(() => hash(password, { ...ARGON2_PARAMETERS, algorithm: ARGON2ID }));
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    this.dummyHash ??= this.hash('warden-dummy-password-for-constant-time');
    const against = passwordHash ?? (await this.dummyHash);
    try {
      const matches = await this.limit(() => verify(against, password));
      return passwordHash !== null && matches;
    } catch {
      return false;
    }
  }

  /** True when the stored hash was made with weaker parameters than today's (rehash on login). */
  needsRehash(passwordHash: string): boolean {
    try {
      const used = parseOptions(passwordHash);
      return (
        Number(used.algorithm) !== ARGON2ID ||
        used.memoryCost < ARGON2_PARAMETERS.memoryCost ||
        used.timeCost < ARGON2_PARAMETERS.timeCost
      );
    } catch {
      return true;
    }
  }
}
