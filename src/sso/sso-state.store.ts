import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import { AppConfig } from '../../config/app-config';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { ProblemException } from '../common/problem/problem';
import { REDIS } from '../infra/redis/redis.module';
import type { SsoClient } from './dto/sso-connection.dto';

/** What a started sign-in remembers until its callback (never sent to the browser). */
export interface PendingSignIn {
  connectionId: string;
  /** sha256 of the secret in the browser's binding cookie: the callback must come from that browser. */
  browser: string;
  /** Who started it: `console` sends the browser to the admin console afterwards. */
  client?: SsoClient;
  /** OIDC: PKCE verifier and nonce. */
  codeVerifier?: string;
  nonce?: string;
}

const ONE_TIME_CODE_SECONDS = 60;
/** Assertion ids are remembered longer than any assertion may live (with skew). */
const ASSERTION_MEMORY_SECONDS = 24 * 60 * 60;

const unavailable = () =>
  new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'Single sign-on is unavailable right now. Try again shortly.',
    { type: 'dependency-unavailable', headers: { 'retry-after': '5' } },
  );

/**
 * Short-lived SSO state in Redis, shared by every instance: pending sign-ins
 * (keyed by the hash of their `state`), one-time codes for client pages, SAML
 * request ids and the ids of assertions already used. Every read that
 * consumes uses GETDEL, so each value works exactly once.
 */
@Injectable()
export class SsoStateStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  async begin(pending: PendingSignIn): Promise<string> {
    const state = randomSecret();
    await this.run(() =>
      this.redis.set(
        `sso:state:${sha256Hex(state)}`,
        JSON.stringify(pending),
        'EX',
        this.config.sso.stateTtlSeconds,
      ),
    );
    return state;
  }

  /** The pending sign-in for this state, once; null when unknown, expired or already used. */
  async take(state: string): Promise<PendingSignIn | null> {
    if (state === '') return null;
    const stored = await this.run(() => this.redis.getdel(`sso:state:${sha256Hex(state)}`));
    return stored === null ? null : (JSON.parse(stored) as PendingSignIn);
  }

  /** A one-time code for tokens, handed to the client page the connection redirects to. */
  issueCode(payload: unknown): Promise<string> {
    return this.putOnce('code', payload);
  }

  redeemCode<T>(code: string): Promise<T | null> {
    return this.takeOnce<T>('code', code);
  }

  /**
   * A verified SAML identity waiting for its browser: the assertion consumer
   * service is a cross-site POST, which carries no SameSite=Lax cookie, so it
   * hands over to a same-site GET that can check the binding cookie.
   */
  handOver(payload: unknown): Promise<string> {
    return this.putOnce('handover', payload);
  }

  takeHandover<T>(key: string): Promise<T | null> {
    return this.takeOnce<T>('handover', key);
  }

  private async putOnce(kind: string, payload: unknown): Promise<string> {
    const key = randomSecret();
    await this.run(() =>
      this.redis.set(
        `sso:${kind}:${sha256Hex(key)}`,
        JSON.stringify(payload),
        'EX',
        ONE_TIME_CODE_SECONDS,
      ),
    );
    return key;
  }

  private async takeOnce<T>(kind: string, key: string): Promise<T | null> {
    if (key === '') return null;
    const stored = await this.run(() => this.redis.getdel(`sso:${kind}:${sha256Hex(key)}`));
    return stored === null ? null : (JSON.parse(stored) as T);
  }

  /** True the first time an assertion id is seen for a connection, false on every replay. */
  async firstUse(connectionId: string, assertionId: string): Promise<boolean> {
    const set = await this.run(() =>
      this.redis.set(
        `sso:assertion:${connectionId}:${sha256Hex(assertionId)}`,
        '1',
        'EX',
        ASSERTION_MEMORY_SECONDS,
        'NX',
      ),
    );
    return set === 'OK';
  }

  /** node-saml's store of issued AuthnRequest ids (validated and removed on the response). */
  samlRequestCache(connectionId: string): CacheProvider {
    const key = (id: string) => `sso:saml-request:${connectionId}:${sha256Hex(id)}`;
    const ttl = this.config.sso.stateTtlSeconds;
    return {
      saveAsync: async (id: string, value: string): Promise<CacheItem | null> => {
        const createdAt = Date.now();
        const saved = await this.run(() =>
          this.redis.set(key(id), JSON.stringify({ value, createdAt }), 'EX', ttl, 'NX'),
        );
        return saved === 'OK' ? { value, createdAt } : null;
      },
      getAsync: async (id: string): Promise<string | null> => {
        const stored = await this.run(() => this.redis.get(key(id)));
        return stored === null ? null : (JSON.parse(stored) as CacheItem).value;
      },
      removeAsync: async (id: string | null): Promise<string | null> => {
        if (id === null) return null;
        const stored = await this.run(() => this.redis.getdel(key(id)));
        return stored === null ? null : (JSON.parse(stored) as CacheItem).value;
      },
    };
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw unavailable();
    }
  }
}
