import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import type { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { scoped } from '../infra/database/organization-owned.entity';
import { REDIS } from '../infra/redis/redis.module';
import { MfaFactor } from './entities/mfa-factor.entity';
import { assertSignedIn, MfaService } from './mfa.service';

/** How long a browser has to answer a WebAuthn ceremony. */
const CEREMONY_SECONDS = 300;

type Transports = NonNullable<RegistrationResponseJSON['response']['transports']>;

const refused = (detail: string) =>
  new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, detail, {
    errors: [{ field: 'response', message: detail }],
  });

/**
 * Passkeys (WebAuthn, @simplewebauthn/server) as second factors: registration
 * and authentication ceremonies for the relying party this server is
 * (PUBLIC_URL's host and origin), attestation "none", user verification
 * required. Challenges wait in Redis for five minutes and work once.
 */
@Injectable()
export class WebAuthnService {
  private readonly rpId: string;
  private readonly origin: string;

  constructor(
    private readonly em: EntityManager,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly users: UserDirectoryService,
    private readonly mfa: MfaService,
    config: AppConfig,
  ) {
    const url = new URL(config.publicUrl);
    this.rpId = url.hostname;
    this.origin = url.origin;
  }

  /** The options a browser passes to navigator.credentials.create(). */
  async registrationOptions(principal: Principal) {
    assertSignedIn(principal);
    const user = await this.users.findVisible(principal, selfOf(principal));
    const existing = await this.passkeysOf(this.em.fork(), user);
    const options = await generateRegistrationOptions({
      rpName: 'Warden',
      rpID: this.rpId,
      userName: user.username,
      userDisplayName: user.displayName ?? user.username,
      userID: isoUint8Array.fromUTF8String(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((factor) => ({
        id: factor.credentialId ?? '',
        transports: (factor.transports ?? undefined) as Transports | undefined,
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    await this.redis.set(`webauthn:register:${user.id}`, options.challenge, 'EX', CEREMONY_SECONDS);
    return options;
  }

  /** Verifies the browser's answer and keeps the passkey (confirmed: the ceremony proved it). */
  async register(principal: Principal, name: string, response: RegistrationResponseJSON) {
    assertSignedIn(principal);
    const user = await this.users.findVisible(principal, selfOf(principal));
    const expectedChallenge = await this.redis.getdel(`webauthn:register:${user.id}`);
    if (expectedChallenge === null)
      throw refused('No registration is waiting: ask for options first.');
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
      });
    } catch (error) {
      throw refused(`The passkey could not be verified: ${(error as Error).message}`);
    }
    if (!verification.verified) throw refused('The passkey could not be verified.');
    const { credential } = verification.registrationInfo;
    const result = await this.em.fork().transactional(async (em) => {
      const factor = em.create(MfaFactor, {
        organizationId: principal.organizationId,
        userId: user.id,
        type: 'webauthn',
        name,
        credentialId: credential.id,
        publicKey: isoBase64URL.fromBuffer(credential.publicKey),
        signCount: String(credential.counter),
        transports: credential.transports ?? null,
      });
      await em.flush();
      return this.mfa.completeEnrolment(em, principal, factor);
    });
    await this.mfa.afterEnrolment(principal, user.id);
    return result;
  }

  /** The options for navigator.credentials.get() during a sign-in's second step. */
  async authenticationOptions(user: User, ceremony: string) {
    const passkeys = await this.passkeysOf(this.em.fork(), user);
    if (passkeys.length === 0) {
      throw new ProblemException(HttpStatus.CONFLICT, 'This person has no passkey.', {
        type: 'conflict',
      });
    }
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials: passkeys.map((factor) => ({
        id: factor.credentialId ?? '',
        transports: (factor.transports ?? undefined) as Transports | undefined,
      })),
      userVerification: 'required',
    });
    await this.redis.set(
      `webauthn:authenticate:${ceremony}`,
      options.challenge,
      'EX',
      CEREMONY_SECONDS,
    );
    return options;
  }

  /**
   * Verifies an assertion inside the sign-in's transaction: the credential
   * must be one of the user's passkeys, signed over this ceremony's challenge,
   * with user verification, and a counter that moved forward (or stays 0).
   * Returns 'accepted', or why not (for the audit trail).
   */
  async verifyForSignIn(
    em: EntityManager,
    user: User,
    ceremony: string,
    response: AuthenticationResponseJSON,
  ): Promise<string> {
    const factor = (await this.passkeysOf(em, user)).find(
      (candidate) => candidate.credentialId === response.id,
    );
    if (factor === undefined) {
      await this.redis.del(`webauthn:authenticate:${ceremony}`);
      return 'unknown passkey';
    }
    return this.verifyAssertion(em, factor, `webauthn:authenticate:${ceremony}`, response);
  }

  /**
   * One assertion against one stored passkey: this ceremony's challenge (used
   * up), this origin and RP id, user verification, a counter that moved
   * forward; the new counter is kept in the caller's transaction.
   */
  private async verifyAssertion(
    em: EntityManager,
    factor: MfaFactor,
    challengeKey: string,
    response: AuthenticationResponseJSON,
  ): Promise<string> {
    const expectedChallenge = await this.redis.getdel(challengeKey);
    if (expectedChallenge === null) return 'no passkey ceremony waiting';
    if (factor.publicKey === null) return 'unknown passkey';
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.origin,
        expectedRPID: this.rpId,
        requireUserVerification: true,
        credential: {
          id: factor.credentialId ?? '',
          publicKey: isoBase64URL.toBuffer(factor.publicKey),
          counter: Number(factor.signCount),
          transports: (factor.transports ?? undefined) as Transports | undefined,
        },
      });
    } catch (error) {
      return `passkey refused: ${(error as Error).message}`.slice(0, 200);
    }
    if (!verification.verified) return 'passkey refused';
    const updated = await em.nativeUpdate(
      MfaFactor,
      { id: factor.id, signCount: factor.signCount },
      {
        signCount: String(verification.authenticationInfo.newCounter),
        lastUsedAt: this.clock.now(),
      },
      scoped(factor.organizationId),
    );
    return updated > 0 ? 'accepted' : 'passkey used concurrently';
  }

  /** Options for a passwordless sign-in: no user yet, so any discoverable passkey of this site. */
  async passwordlessOptions(ceremony: string) {
    const options = await generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
    });
    await this.redis.set(
      `webauthn:passwordless:${ceremony}`,
      options.challenge,
      'EX',
      CEREMONY_SECONDS,
    );
    return options;
  }

  /**
   * A passwordless assertion: the passkey names its user (credential id and
   * user handle must agree) within the organization. Returns the user and
   * 'accepted', or why not.
   */
  async verifyPasswordless(
    organizationId: string,
    ceremony: string,
    response: AuthenticationResponseJSON,
  ): Promise<{ userId: string | null; outcome: string }> {
    const factor = await this.em
      .fork()
      .findOne(
        MfaFactor,
        { credentialId: response.id, type: 'webauthn', confirmedAt: { $ne: null } },
        scoped(organizationId),
      );
    if (factor === null) return { userId: null, outcome: 'unknown passkey' };
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== isoBase64URL.fromUTF8String(factor.userId)) {
      return { userId: factor.userId, outcome: 'user handle does not match the passkey' };
    }
    const outcome = await this.em
      .fork()
      .transactional((em) =>
        this.verifyAssertion(em, factor, `webauthn:passwordless:${ceremony}`, response),
      );
    return { userId: factor.userId, outcome };
  }

  private passkeysOf(em: EntityManager, user: Pick<User, 'id' | 'organizationId'>) {
    return em.find(
      MfaFactor,
      { userId: user.id, type: 'webauthn', confirmedAt: { $ne: null } },
      scoped(user.organizationId),
    );
  }
}
