import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { randomSecret, sha256Hex } from '../common/crypto/tokens';
import { ProblemException } from '../common/problem/problem';
import { requestMeta } from '../common/request-context';
import { User } from '../directory/users/user.entity';
import { scoped } from '../infra/database/organization-owned.entity';
import { WebAuthnService } from '../mfa/webauthn.service';
import type { Organization } from '../tenancy/organization.entity';
import { effectiveSettings } from '../tenancy/organization-settings';
import { TenancyService } from '../tenancy/tenancy.service';
import { AuthService } from './auth.service';
import type { TokenResponseDto } from './dto/auth.dto';
import { LoginThrottle } from './login-throttle.service';

const NOT_ENABLED = 'This organization does not offer passkey sign-in.';
const REFUSED = 'The passkey was not accepted.';

/**
 * Passwordless sign-in with a passkey (a discoverable WebAuthn credential):
 * possession and user verification in one, so it is both factors. Offered
 * only where the organization turned `passkeySignIn` on, and not where it
 * enforces SSO. The same per-IP limit and code lockout as the second step.
 */
@Injectable()
export class PasskeySignInService {
  constructor(
    private readonly em: EntityManager,
    private readonly auth: AuthService,
    private readonly webauthn: WebAuthnService,
    private readonly tenancy: TenancyService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
  ) {}

  async options(slug: string) {
    await this.offering(slug);
    const ceremonyToken = randomSecret();
    const options = await this.webauthn.passwordlessOptions(sha256Hex(ceremonyToken));
    return { ...options, ceremonyToken };
  }

  async verify(
    slug: string,
    ceremonyToken: string,
    response: AuthenticationResponseJSON,
  ): Promise<TokenResponseDto> {
    const meta = requestMeta();
    const retryAfter = await this.throttle.ipRetryAfter(meta.ip, 'mfa');
    if (retryAfter !== null) {
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'Too many attempts from this address. Try again later.',
        { type: 'rate-limited', headers: { 'retry-after': String(retryAfter) } },
      );
    }
    const organization = await this.offering(slug);
    const { userId, outcome } = await this.webauthn.verifyPasswordless(
      organization.id,
      sha256Hex(ceremonyToken),
      response,
    );
    const user =
      userId === null
        ? null
        : await this.em.fork().findOne(User, { id: userId }, scoped(organization.id));
    const failure =
      outcome !== 'accepted'
        ? outcome
        : user === null || user.status !== 'active'
          ? 'user inactive'
          : this.throttle.isMfaLocked(user)
            ? 'second factor locked after repeated failures'
            : null;
    if (failure !== null || user === null) {
      if (user && outcome !== 'accepted' && !this.throttle.isMfaLocked(user)) {
        await this.throttle.recordMfaFailure(user.id);
      }
      await this.audit.record(this.em.fork(), {
        organizationId: organization.id,
        actor: user
          ? { type: 'user', id: user.id, username: user.username, email: user.email }
          : { type: 'anonymous', id: null, username: null },
        action: 'auth.loginFailed',
        target: { type: 'User', id: user?.id ?? null },
        outcome: 'failure',
        reason: `passkey: ${failure ?? 'refused'}`,
      });
      throw new ProblemException(HttpStatus.UNAUTHORIZED, REFUSED);
    }
    await this.throttle.recordMfaSuccess(user);
    return this.auth.signIn(organization, user, 'passkey', meta, null);
  }

  /** The organization, when it offers passkey sign-in (an unknown slug answers the same). */
  private async offering(slug: string): Promise<Organization> {
    const organization = await this.tenancy.findBySlug(slug);
    const settings = organization ? effectiveSettings(organization.settings) : null;
    if (organization === null || !settings?.passkeySignIn || settings.ssoEnforced) {
      throw new ProblemException(HttpStatus.FORBIDDEN, NOT_ENABLED);
    }
    return organization;
  }
}
