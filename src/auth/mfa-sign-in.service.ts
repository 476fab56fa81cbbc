import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ProblemException } from '../common/problem/problem';
import { requestMeta } from '../common/request-context';
import { User } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { MfaService } from '../mfa/mfa.service';
import { WebAuthnService } from '../mfa/webauthn.service';
import { sha256Hex } from '../common/crypto/tokens';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { TenancyService } from '../tenancy/tenancy.service';
import { AuthService } from './auth.service';
import type { MfaVerifyDto, TokenResponseDto } from './dto/auth.dto';
import { LoginThrottle } from './login-throttle.service';
import { MfaChallengeStore } from './mfa-challenge.store';

const INVALID_CHALLENGE = 'The sign-in has expired or was already completed. Sign in again.';
const INVALID_CODE = 'The code is not valid.';

/**
 * POST /auth/mfa/verify: completes a password sign-in with a TOTP code or a
 * recovery code. Wrong codes count on the user row apart from passwords (same
 * thresholds, same lock semantics: a locked account answers like a wrong code)
 * and per IP; every attempt is audited with its true reason.
 */
@Injectable()
export class MfaSignInService {
  constructor(
    private readonly em: EntityManager,
    private readonly auth: AuthService,
    private readonly mfa: MfaService,
    private readonly webauthn: WebAuthnService,
    private readonly challenges: MfaChallengeStore,
    private readonly throttle: LoginThrottle,
    private readonly tenancy: TenancyService,
    private readonly audit: AuditService,
  ) {}

  /** The passkey ceremony of a sign-in's second step: options for navigator.credentials.get(). */
  async webAuthnOptions(challengeToken: string) {
    const challenge = await this.challenges.find(challengeToken);
    if (challenge === null) throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CHALLENGE);
    const user = await this.em
      .fork()
      .findOne(User, { id: challenge.userId }, scoped(challenge.organizationId));
    if (user === null) throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CHALLENGE);
    return this.webauthn.authenticationOptions(user, sha256Hex(challengeToken));
  }

  async verify(input: MfaVerifyDto): Promise<TokenResponseDto> {
    const meta = requestMeta();
    const retryAfter = await this.throttle.ipRetryAfter(meta.ip, 'mfa');
    if (retryAfter !== null) {
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'Too many attempts from this address. Try again later.',
        { type: 'rate-limited', headers: { 'retry-after': String(retryAfter) } },
      );
    }
    const proofs = [input.code, input.recoveryCode, input.webauthn].filter((p) => p !== undefined);
    if (proofs.length !== 1) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'Send one of "code", "recoveryCode" or "webauthn".',
        {
          type: 'validation-failed',
          errors: [{ field: 'code', message: 'exactly one of code, recoveryCode and webauthn' }],
        },
      );
    }
    const challenge = await this.challenges.find(input.challengeToken);
    if (challenge === null) throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CHALLENGE);
    const organization = await this.tenancy.require(challenge.organizationId);
    const user = await this.em
      .fork()
      .findOne(User, { id: challenge.userId }, scoped(organization.id));
    if (user === null || user.status !== 'active') {
      await this.challenges.consume(input.challengeToken);
      throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CHALLENGE);
    }
    const outcome = this.throttle.isMfaLocked(user)
      ? { failure: 'second factor locked after repeated failures' }
      : await this.em.fork().transactional(async (em) => {
          if (input.webauthn === undefined) {
            return this.mfa.verifyForSignIn(em, user, {
              code: input.code,
              recoveryCode: input.recoveryCode,
            });
          }
          const outcome = await this.webauthn.verifyForSignIn(
            em,
            user,
            sha256Hex(input.challengeToken),
            input.webauthn as unknown as AuthenticationResponseJSON,
          );
          return outcome === 'accepted' ? { factor: 'webauthn' as const } : { failure: outcome };
        });
    if ('failure' in outcome) {
      if (!this.throttle.isMfaLocked(user)) await this.throttle.recordMfaFailure(user.id);
      await this.audit.record(this.em.fork(), {
        organizationId: organization.id,
        actor: { type: 'user', id: user.id, username: user.username, email: user.email },
        action: 'auth.mfaFailed',
        target: { type: 'User', id: user.id },
        outcome: 'failure',
        reason: outcome.failure,
      });
      throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CODE);
    }
    if (!(await this.challenges.consume(input.challengeToken))) {
      throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CHALLENGE);
    }
    await this.throttle.recordMfaSuccess(user);
    return this.auth.signIn(
      organization,
      user,
      `${challenge.primary ?? 'password'}+${outcome.factor}`,
      meta,
      null,
      challenge.details,
    );
  }
}
