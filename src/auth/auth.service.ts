import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditService, actorOf } from '../audit/audit.service';
import { aboveBaseline, BASELINE_ROLE } from '../authz/matrix';
import { buildAbility } from '../authz/ability';
import { asSubject, selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { ProblemException } from '../common/problem/problem';
import { requestMeta, type RequestMeta } from '../common/request-context';
import type { Organization } from '../tenancy/organization.entity';
import { MembershipsService } from '../directory/groups/memberships.service';
import { TenancyService } from '../tenancy/tenancy.service';
import { effectiveSettings } from '../tenancy/organization-settings';
import type { Session, SessionPurpose, SignInMethod } from '../directory/sessions/session.entity';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { SessionsService } from '../sessions/sessions.service';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import type {
  ChangePasswordDto,
  LoginDto,
  MfaChallengeResponseDto,
  RegisterDto,
  TokenResponseDto,
} from './dto/auth.dto';
import { MfaService } from '../mfa/mfa.service';
import { MFA_CHALLENGE_SECONDS, MfaChallengeStore } from './mfa-challenge.store';
import { LoginThrottle } from './login-throttle.service';
import { PasswordHasher } from '../directory/password/password-hasher';
import { TokenService } from './token.service';
import { scoped } from '../infra/database/organization-owned.entity';

const INVALID_CREDENTIALS = 'Invalid organization, login or password.';

/**
 * Sign-in, refresh, sign-out and registration. Every way a sign-in can fail
 * (unknown organization or user, wrong password, inactive user, locked
 * account) answers the same 401 after the same argon2 work; the audit trail
 * keeps the true reason.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserDirectoryService,
    private readonly sessions: SessionsService,
    private readonly revocation: SessionRevocationService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly organizations: TenancyService,
    private readonly roles: RoleCatalogService,
    private readonly groups: MembershipsService,
    private readonly mfa: MfaService,
    private readonly challenges: MfaChallengeStore,
  ) {}

  async login(input: LoginDto): Promise<TokenResponseDto | MfaChallengeResponseDto> {
    const meta = this.meta();
    const retryAfter = await this.throttle.ipRetryAfter(meta.ip);
    if (retryAfter !== null) {
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'Too many sign-in attempts from this address. Try again later.',
        {
          type: 'rate-limited',
          headers: { 'retry-after': String(retryAfter) },
        },
      );
    }
    const organization = await this.organizations.findBySlug(input.organization);
    const user = organization ? await this.users.findByLogin(organization.id, input.login) : null;
    const locked = user !== null && this.throttle.isLocked(user);
    const passwordMatches = await this.hasher.verify(user?.passwordHash ?? null, input.password);

    const failure = !organization
      ? 'unknown organization'
      : locked
        ? 'account locked after repeated failures'
        : !user
          ? 'unknown user'
          : !passwordMatches
            ? 'wrong password'
            : user.status !== 'active'
              ? 'user inactive'
              : null;

    if (failure !== null || !organization || !user) {
      if (organization) {
        if (user && failure === 'wrong password') await this.throttle.recordFailure(user.id);
        await this.audit.record(this.em.fork(), {
          organizationId: organization.id,
          actor: user
            ? { type: 'user', id: user.id, username: user.username, email: user.email }
            : { type: 'anonymous', id: null, username: input.login.slice(0, 254) },
          action: 'auth.loginFailed',
          target: { type: 'User', id: user?.id ?? null },
          outcome: 'failure',
          reason: failure ?? 'invalid credentials',
        });
      }
      throw new ProblemException(HttpStatus.UNAUTHORIZED, INVALID_CREDENTIALS);
    }

    await this.throttle.recordSuccess(user);
    if (
      effectiveSettings(organization.settings).ssoEnforced &&
      !(await this.maySkipSso(organization.id, user))
    ) {
      await this.audit.record(this.em.fork(), {
        organizationId: organization.id,
        actor: { type: 'user', id: user.id, username: user.username, email: user.email },
        action: 'auth.loginFailed',
        target: { type: 'User', id: user.id },
        outcome: 'failure',
        reason: 'password sign-in disabled: the organization enforces SSO',
      });
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'This organization signs in through single sign-on only. Use your identity provider.',
      );
    }
    const passwordHash =
      user.passwordHash && this.hasher.needsRehash(user.passwordHash)
        ? await this.hasher.hash(input.password)
        : null;
    return this.completeSignIn(organization, user, 'password', meta, passwordHash);
  }

  /**
   * After the first factor (a password, or SSO where `mfaForSso` is on): a
   * second-factor challenge for someone enrolled, an enrolment-only session
   * for someone `mfaRequired` applies to and who has no factor, tokens otherwise.
   */
  async completeSignIn(
    organization: Organization,
    user: User,
    primary: 'password' | 'sso',
    meta: RequestMeta,
    rehashed: string | null,
    details?: Record<string, unknown>,
  ): Promise<TokenResponseDto | MfaChallengeResponseDto> {
    if (await this.mfa.isEnrolled(organization.id, user.id)) {
      return this.secondFactorChallenge(organization, user, rehashed, primary, details);
    }
    if (await this.mustEnrol(organization, user)) {
      const tokens = await this.signIn(organization, user, primary, meta, rehashed, {
        ...details,
        purpose: 'mfa_enrolment',
      });
      return { ...tokens, mfaEnrolmentRequired: true };
    }
    return this.signIn(organization, user, primary, meta, rehashed, details);
  }

  /**
   * The organization requires a second factor of this person (`mfaRequired`:
   * everyone, or admins — anyone whose own or group roles go beyond User)
   * and they have none yet: they get an enrolment-only session.
   */
  private async mustEnrol(organization: Organization, user: User): Promise<boolean> {
    const required = effectiveSettings(organization.settings).mfaRequired;
    if (required === 'off') return false;
    if (required === 'everyone') return true;
    const memberships = await this.groups.membershipsOf(organization.id, user.id);
    return aboveBaseline([...user.roles, ...memberships.groupRoles]);
  }

  /** The password was right and the person has a second factor: a challenge instead of tokens. */
  private async secondFactorChallenge(
    organization: Organization,
    user: User,
    rehashed: string | null,
    primary: 'password' | 'sso',
    details?: Record<string, unknown>,
  ): Promise<MfaChallengeResponseDto> {
    if (rehashed !== null) {
      await this.em
        .getConnection()
        .execute('update users set password_hash = ? where id = ?', [rehashed, user.id]);
    }
    const challengeToken = await this.challenges.issue({
      userId: user.id,
      organizationId: organization.id,
      primary,
      details,
    });
    await this.audit.record(this.em.fork(), {
      organizationId: organization.id,
      actor: { type: 'user', id: user.id, username: user.username, email: user.email },
      action: 'auth.mfaChallenged',
      target: { type: 'User', id: user.id },
      reason: `${primary} verified; second factor required`,
    });
    return {
      mfaRequired: true,
      challengeToken,
      methods: [...(await this.mfa.confirmedTypes(organization.id, user.id)), 'recovery_code'],
      expiresIn: MFA_CHALLENGE_SECONDS,
    };
  }

  /**
   * Break-glass under SSO enforcement: whoever may change the SSO configuration
   * keeps password sign-in, so a broken IdP cannot lock the organization out.
   */
  private async maySkipSso(organizationId: string, user: User): Promise<boolean> {
    const [catalog, memberships] = await Promise.all([
      this.roles.catalog(organizationId),
      this.groups.membershipsOf(organizationId, user.id),
    ]);
    const roleKeys = [...new Set([...user.roles, ...memberships.groupRoles])];
    const ability = buildAbility(catalog.permissionsOf(roleKeys), {
      organizationId,
      userId: user.id,
      roleKeys,
      groupIds: memberships.groupIds,
    });
    return ability.can('update', asSubject('SsoConnection', { organizationId }));
  }

  async refresh(refreshToken: string): Promise<TokenResponseDto> {
    const { session, refreshToken: next } = await this.sessions.rotate(
      refreshToken,
      async (organizationId) =>
        effectiveSettings((await this.users.organization(organizationId)).settings),
    );
    const organization = await this.users.organization(session.organizationId);
    const user = await this.em
      .fork()
      .findOne(User, { id: session.userId }, scoped(organization.id));
    if (user === null || user.status !== 'active') {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'The refresh token is invalid or expired. Sign in again.',
      );
    }
    return this.tokenResponse(organization, session, next);
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId === null) return;
    const sessionId = principal.sessionId;
    await this.em.fork().transactional(async (em) => {
      const session = await this.sessions.findById(principal.organizationId, sessionId);
      if (session === null) return;
      const managed = em.merge(session);
      await this.revocation.revokeInTransaction(em, managed, 'logout', actorOf(principal));
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'auth.logout',
        target: { type: 'Session', id: sessionId },
      });
    });
    await this.revocation.forget([sessionId]);
  }

  async register(input: RegisterDto): Promise<{ user: User } & TokenResponseDto> {
    const organization = await this.organizations.findBySlug(input.organization);
    if (organization === null || !effectiveSettings(organization.settings).allowRegistration) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'This organization does not allow self-registration.',
      );
    }
    this.users.assertPassword(input.password, input, organization);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.users.createSelf(organization, {
      username: input.username,
      email: input.email,
      displayName: input.displayName ?? null,
      roles: [BASELINE_ROLE],
      passwordHash,
    });
    const tokens = await this.signIn(organization, user, 'registration', this.meta(), null);
    return { user, ...tokens };
  }

  async changeOwnPassword(principal: Principal, input: ChangePasswordDto): Promise<void> {
    const user = await this.users.findVisible(principal, selfOf(principal), this.em.fork());
    if (!(await this.hasher.verify(user.passwordHash, input.currentPassword))) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'The current password is not correct.',
        {
          errors: [{ field: 'currentPassword', message: 'is not correct' }],
        },
      );
    }
    const organization = await this.users.organization(principal.organizationId);
    this.users.assertPassword(input.newPassword, user, organization);
    const passwordHash = await this.hasher.hash(input.newPassword);
    const revoked = await this.em.fork().transactional(async (em) => {
      const managed = await this.users.findVisible(principal, selfOf(principal), em);
      managed.passwordHash = passwordHash;
      await em.flush();
      const others = await this.revocation.liveSessionsOf(
        em,
        principal.organizationId,
        selfOf(principal),
        principal.sessionId ?? undefined,
      );
      for (const session of others)
        await this.revocation.revokeInTransaction(
          em,
          session,
          'password changed',
          actorOf(principal),
        );
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'user.passwordChanged',
        target: { type: 'User', id: principal.userId },
        changes: { revokedSessions: others.length },
      });
      return others.map((session) => session.id);
    });
    await this.revocation.forget(revoked);
  }

  /** Signs in someone who just joined (an accepted invite). */
  signInNewUser(
    organization: Organization,
    user: User,
    method: SignInMethod,
  ): Promise<TokenResponseDto> {
    return this.signIn(organization, user, method, this.meta(), null);
  }

  /** Opens a session and records the sign-in, in one transaction. */
  async signIn(
    organization: Organization,
    user: User,
    method: SignInMethod,
    meta: RequestMeta,
    rehashed: string | null,
    details?: Record<string, unknown> & { purpose?: SessionPurpose },
  ): Promise<TokenResponseDto> {
    const { purpose, ...auditDetails } = details ?? {};
    const settings = effectiveSettings(organization.settings);
    const { session, refreshToken } = await this.em.fork().transactional(async (em) => {
      const managed = await em.findOneOrFail(User, { id: user.id }, scoped(organization.id));
      managed.lastLoginAt = this.clock.now();
      managed.lastLoginIp = meta.ip;
      managed.lastActivityAt = managed.lastLoginAt;
      if (rehashed !== null) managed.passwordHash = rehashed;
      const opened = await this.sessions.open(em, managed, method, meta, settings, purpose ?? null);
      await this.audit.record(em, {
        organizationId: organization.id,
        actor: { type: 'user', id: managed.id, username: managed.username, email: managed.email },
        action: 'auth.loginSucceeded',
        target: { type: 'Session', id: opened.session.id },
        reason: purpose ? `${method}; enrolment-only session (second factor required)` : method,
        changes: Object.keys(auditDetails).length > 0 ? auditDetails : undefined,
      });
      return opened;
    });
    return this.tokenResponse(organization, session, refreshToken);
  }

  private async tokenResponse(
    organization: Organization,
    session: Session,
    refreshToken: string,
  ): Promise<TokenResponseDto> {
    const ttl = effectiveSettings(organization.settings).accessTokenTtlSeconds;
    const accessToken = await this.tokens.signAccessToken(
      { sub: session.userId, sid: session.id, org: organization.id },
      ttl,
    );
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: ttl,
      sessionId: session.id,
    };
  }

  private meta(): RequestMeta {
    return requestMeta();
  }
}
