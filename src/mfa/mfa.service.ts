import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { actorOf, AuditService } from '../audit/audit.service';
import { AuthzService, selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/tokens';
import type { SecretBox } from '../common/crypto/secret-box';
import { ProblemException } from '../common/problem/problem';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { Session } from '../directory/sessions/session.entity';
import { SessionRevocationService } from '../directory/sessions/session-revocation.service';
import type { User } from '../directory/users/user.entity';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { scoped } from '../infra/database/organization-owned.entity';
import { MfaFactor } from './entities/mfa-factor.entity';
import { RecoveryCode } from './entities/recovery-code.entity';
import { matchingStep, newTotpSecret, otpauthUri } from './totp';

export const MFA_SECRETS = Symbol('MfaSecrets');

const RECOVERY_CODES = 10;
/** How recent a sign-in must be to change factors without a current code. */
const RECENT_SIGN_IN_SECONDS = 300;

export type SecondFactor = 'totp' | 'recovery_code';

function recoveryCode(): string {
  // 10 characters of Crockford base32 (50 bits), grouped for reading aloud.
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomBytes(10);
  const chars = [...bytes].map((byte) => alphabet[byte % 32]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/\s+/g, '');
}

/** Factors are a person's own, changed from a signed-in session, never with an API key. */
export function assertSignedIn(principal: Principal): void {
  if (principal.sessionId === null) {
    throw new ProblemException(
      HttpStatus.FORBIDDEN,
      'Second factors are changed from a signed-in session, not with an API key.',
    );
  }
}

const notFound = () => new ProblemException(HttpStatus.NOT_FOUND, 'No such factor for this user.');

/**
 * Second factors: TOTP authenticators and recovery codes. Secrets are sealed
 * at rest and shown once; a TOTP code is accepted once (the factor remembers
 * the last step); recovery codes work once. Every change is audited without
 * the secret.
 */
@Injectable()
export class MfaService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly users: UserDirectoryService,
    private readonly catalogs: RoleCatalogService,
    private readonly revocation: SessionRevocationService,
    @Inject(MFA_SECRETS) private readonly secrets: SecretBox,
  ) {}

  factorsOf(organizationId: string, userId: string): Promise<MfaFactor[]> {
    return this.em
      .fork()
      .find(
        MfaFactor,
        { userId },
        scoped(organizationId, { orderBy: { createdAt: 'asc' } } as const),
      );
  }

  async recoveryCodesLeft(organizationId: string, userId: string): Promise<number> {
    return this.em.fork().count(RecoveryCode, { userId, usedAt: null }, scoped(organizationId));
  }

  /** The kinds of confirmed factor a person has ('totp', 'webauthn'), for the sign-in challenge. */
  async confirmedTypes(
    organizationId: string,
    userId: string,
  ): Promise<Array<'totp' | 'webauthn'>> {
    const factors = await this.em
      .fork()
      .find(MfaFactor, { userId, confirmedAt: { $ne: null } }, scoped(organizationId));
    return (['totp', 'webauthn'] as const).filter((type) =>
      factors.some((factor) => factor.type === type),
    );
  }

  /** Whether sign-in needs a second factor: the user has a confirmed one. */
  async isEnrolled(organizationId: string, userId: string): Promise<boolean> {
    const count = await this.em
      .fork()
      .count(MfaFactor, { userId, confirmedAt: { $ne: null } }, scoped(organizationId));
    return count > 0;
  }

  /** Starts a TOTP enrolment: the secret and its otpauth URI, shown this once. */
  async enrolTotp(principal: Principal, name: string) {
    assertSignedIn(principal);
    const user = await this.users.findVisible(principal, selfOf(principal));
    const organization = await this.users.organization(principal.organizationId);
    const secret = newTotpSecret();
    const factor = await this.em.fork().transactional(async (em) => {
      const created = em.create(MfaFactor, {
        organizationId: principal.organizationId,
        userId: user.id,
        type: 'totp',
        name,
        secret: '',
      });
      created.secret = this.secrets.seal(secret, created.id);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'mfa.enrolmentStarted',
        target: { type: 'User', id: user.id },
        changes: { factor: { id: created.id, type: 'totp', name } },
      });
      return created;
    });
    return {
      factor,
      secret,
      otpauthUri: otpauthUri(secret, `Warden (${organization.slug})`, user.username),
    };
  }

  /**
   * Confirms an enrolment with a current code. The first confirmed factor
   * also creates the recovery codes, returned this once.
   */
  async confirmTotp(principal: Principal, factorId: string, code: string) {
    assertSignedIn(principal);
    const confirmed = await this.em.fork().transactional(async (em) => {
      const factor = await this.ownFactor(em, principal, factorId);
      if (factor.confirmedAt !== null) {
        throw new ProblemException(HttpStatus.CONFLICT, 'This factor is already confirmed.', {
          type: 'conflict',
        });
      }
      if ((await this.acceptTotp(em, factor, code)) !== 'accepted') {
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'mfa.enrolmentFailed',
          target: { type: 'User', id: factor.userId },
          outcome: 'failure',
          reason: 'wrong code',
        });
        throw this.wrongCode();
      }
      return this.completeEnrolment(em, principal, factor);
    });
    await this.afterEnrolment(principal, confirmed.factor.userId);
    return confirmed;
  }

  /**
   * Inside the enrolment's transaction: the factor counts from now on; the
   * first one also creates the recovery codes (returned this once); an
   * enrolment-only session gets the person's roles.
   */
  async completeEnrolment(
    em: EntityManager,
    principal: Principal,
    factor: MfaFactor,
  ): Promise<{ factor: MfaFactor; recoveryCodes: string[] | null }> {
    factor.confirmedAt = this.clock.now();
    const hasCodes =
      (await em.count(RecoveryCode, { userId: factor.userId }, scoped(principal.organizationId))) >
      0;
    const codes = hasCodes ? null : await this.replaceRecoveryCodes(em, principal, factor.userId);
    await em.flush();
    await this.audit.record(em, {
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      action: 'mfa.enrolled',
      target: { type: 'User', id: factor.userId },
      changes: { factor: { id: factor.id, type: factor.type, name: factor.name } },
    });
    if (principal.mfaEnrolmentOnly) {
      await em.nativeUpdate(
        Session,
        { id: principal.sessionId ?? '', purpose: 'mfa_enrolment' },
        { purpose: null },
        scoped(principal.organizationId),
      );
    }
    return { factor, recoveryCodes: codes };
  }

  /**
   * After commit: a session that was enrolment-only has the person's roles on
   * every instance (the user's version moves, so its snapshot is loaded again;
   * the session is not revoked).
   */
  async afterEnrolment(principal: Principal, userId: string): Promise<void> {
    if (principal.mfaEnrolmentOnly && principal.sessionId !== null) {
      await this.users.afterAccessChange(userId, []);
    }
  }

  /** Removes one of the caller's factors: needs a current code or a sign-in of the last five minutes. */
  async remove(principal: Principal, factorId: string, code: string | undefined): Promise<void> {
    assertSignedIn(principal);
    await this.em.fork().transactional(async (em) => {
      const factor = await this.ownFactor(em, principal, factorId);
      await this.assertFreshProof(em, principal, code);
      em.remove(factor);
      await em.flush();
      const left = await em.count(
        MfaFactor,
        { userId: factor.userId, confirmedAt: { $ne: null } },
        scoped(principal.organizationId),
      );
      if (left === 0) {
        await em.nativeDelete(
          RecoveryCode,
          { userId: factor.userId },
          scoped(factor.organizationId),
        );
      }
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'mfa.removed',
        target: { type: 'User', id: factor.userId },
        changes: { factor: { id: factor.id, type: factor.type, name: factor.name } },
      });
    });
  }

  /** New recovery codes (the old ones stop working): needs a current code or a recent sign-in. */
  async regenerateRecoveryCodes(principal: Principal, code: string | undefined): Promise<string[]> {
    assertSignedIn(principal);
    return this.em.fork().transactional(async (em) => {
      const userId = selfOf(principal);
      if (!(await this.isEnrolled(principal.organizationId, userId))) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'Recovery codes come with a second factor: enrol one first.',
          { type: 'conflict' },
        );
      }
      await this.assertFreshProof(em, principal, code);
      return this.replaceRecoveryCodes(em, principal, userId);
    });
  }

  /**
   * Checks a second factor at sign-in, inside the caller's transaction: a TOTP
   * code of a confirmed factor (each step accepted once) or an unused
   * recovery code (used up). Returns which one matched, or why none did.
   */
  async verifyForSignIn(
    em: EntityManager,
    user: User,
    proof: { code?: string; recoveryCode?: string },
  ): Promise<{ factor: SecondFactor } | { failure: string }> {
    if (proof.recoveryCode !== undefined) {
      const hash = sha256Hex(normalizeRecoveryCode(proof.recoveryCode));
      const used = await em.nativeUpdate(
        RecoveryCode,
        { userId: user.id, codeHash: hash, usedAt: null },
        { usedAt: this.clock.now() },
        scoped(user.organizationId),
      );
      return used > 0 ? { factor: 'recovery_code' } : { failure: 'wrong or used recovery code' };
    }
    if (proof.code === undefined) return { failure: 'no code' };
    const factors = await em.find(
      MfaFactor,
      { userId: user.id, confirmedAt: { $ne: null } },
      scoped(user.organizationId),
    );
    let failure = 'wrong code';
    for (const factor of factors) {
      const outcome = await this.acceptTotp(em, factor, proof.code);
      if (outcome === 'accepted') return { factor: 'totp' };
      if (outcome === 'code already used') failure = outcome;
    }
    return { failure };
  }

  /** An administrator's view of a user's factors (types and names only). */
  async factorsOfUser(principal: Principal, userId: string): Promise<MfaFactor[]> {
    const user = await this.users.findVisible(principal, userId);
    return this.factorsOf(principal.organizationId, user.id);
  }

  /**
   * An administrator removes every factor and recovery code of a user (a lost
   * phone) and ends their sessions: the right to update the user, and to act
   * on someone with their roles.
   */
  async reset(principal: Principal, userId: string): Promise<void> {
    const catalog = await this.catalogs.catalog(principal.organizationId);
    const revoked = await this.em.fork().transactional(async (em) => {
      const target = await this.users.findVisible(principal, userId, em);
      await this.authz.assert(principal, 'update', target);
      await this.authz.assertCanActOnUser(principal, target, (key) => catalog.permissionsOf([key]));
      const removed = await em.nativeDelete(
        MfaFactor,
        { userId: target.id },
        scoped(target.organizationId),
      );
      await em.nativeDelete(RecoveryCode, { userId: target.id }, scoped(target.organizationId));
      const sessions = await this.revocation.revokeAllOf(
        em,
        target.organizationId,
        target.id,
        'second factors reset',
        actorOf(principal),
      );
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'mfa.reset',
        target: { type: 'User', id: target.id },
        changes: { removedFactors: removed, revokedSessions: sessions.length },
      });
      return sessions;
    });
    await this.users.afterAccessChange(userId, revoked);
  }

  /** Accepts a TOTP code for a later step than the last one accepted (one atomic update). */
  private async acceptTotp(
    em: EntityManager,
    factor: MfaFactor,
    code: string,
  ): Promise<'accepted' | 'wrong code' | 'code already used'> {
    if (factor.type !== 'totp' || factor.secret === null) return 'wrong code';
    const secret = this.secrets.open(factor.secret, factor.id);
    const step = matchingStep(secret, code.trim(), this.clock.now());
    if (step === null) return 'wrong code';
    const updated = await em.nativeUpdate(
      MfaFactor,
      { id: factor.id, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: String(step) } }] },
      { lastUsedStep: String(step), lastUsedAt: this.clock.now() },
      scoped(factor.organizationId),
    );
    if (updated === 0) return 'code already used';
    factor.lastUsedStep = String(step);
    return 'accepted';
  }

  private async ownFactor(
    em: EntityManager,
    principal: Principal,
    factorId: string,
  ): Promise<MfaFactor> {
    const factor = await em.findOne(
      MfaFactor,
      { id: factorId, userId: selfOf(principal) },
      scoped(principal.organizationId),
    );
    if (factor === null) throw notFound();
    return factor;
  }

  /** A current code of a confirmed factor, or a session opened in the last five minutes. */
  private async assertFreshProof(
    em: EntityManager,
    principal: Principal,
    code: string | undefined,
  ): Promise<void> {
    if (code !== undefined) {
      const factors = await em.find(
        MfaFactor,
        { userId: selfOf(principal), confirmedAt: { $ne: null } },
        scoped(principal.organizationId),
      );
      for (const factor of factors) {
        if ((await this.acceptTotp(em, factor, code)) === 'accepted') return;
      }
      throw this.wrongCode();
    }
    const session =
      principal.sessionId === null
        ? null
        : await em.findOne(Session, { id: principal.sessionId }, scoped(principal.organizationId));
    const age = session
      ? (this.clock.now().getTime() - session.createdAt.getTime()) / 1000
      : Infinity;
    if (age > RECENT_SIGN_IN_SECONDS) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'Confirm with a current code from your authenticator, or sign in again first.',
      );
    }
  }

  private async replaceRecoveryCodes(
    em: EntityManager,
    principal: Principal,
    userId: string,
  ): Promise<string[]> {
    await em.nativeDelete(RecoveryCode, { userId }, scoped(principal.organizationId));
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    for (const code of codes) {
      em.create(RecoveryCode, {
        organizationId: principal.organizationId,
        userId,
        codeHash: sha256Hex(normalizeRecoveryCode(code)),
      });
    }
    await em.flush();
    await this.audit.record(em, {
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      action: 'mfa.recoveryCodesGenerated',
      target: { type: 'User', id: userId },
      changes: { count: codes.length },
    });
    return codes;
  }

  private wrongCode(): ProblemException {
    return new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'The code is not valid.', {
      errors: [{ field: 'code', message: 'is not a current code of this authenticator' }],
    });
  }
}
