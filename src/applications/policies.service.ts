import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { asSubject, AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { scoped } from '../infra/database/organization-owned.entity';
import { RoleCatalogService } from '../directory/roles/role-catalog.service';
import { ApplicationsService } from './applications.service';
import type { CreatePolicyDto, UpdatePolicyDto } from './dto/policy.dto';
import { EVERYONE, Policy } from './entities/policy.entity';

const policyNotFound = () =>
  new ProblemException(HttpStatus.NOT_FOUND, 'No such policy on this application.');

function duplicateName(error: unknown): ProblemException | undefined {
  return error instanceof UniqueConstraintViolationException
    ? new ProblemException(
        HttpStatus.CONFLICT,
        'This application already has a policy of that name',
        {
          type: 'conflict',
        },
      )
    : undefined;
}

const unique = (values: readonly string[] | undefined) => [...new Set(values ?? [])];

type Subjects = Pick<Policy, 'userIds' | 'groupIds' | 'roles'>;

/** The fields of a policy whose changes the audit trail records. */
const AUDITED = [
  'name',
  'description',
  'effect',
  'actions',
  'userIds',
  'groupIds',
  'roles',
] as const;

/**
 * Access policies of one application. Reading and changing them needs both
 * sight of the application and the Policy permission; the users, groups and
 * roles a policy names must exist in the organization.
 */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
    private readonly applications: ApplicationsService,
    private readonly roles: RoleCatalogService,
  ) {}

  async list(principal: Principal, applicationId: string): Promise<Policy[]> {
    const application = await this.applications.get(principal, applicationId);
    await this.authz.assert(principal, 'read', this.subjectOn(principal, application.id));
    return this.em.find(
      Policy,
      { applicationId: application.id },
      { ...scoped(principal.organizationId), orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  async create(
    principal: Principal,
    applicationId: string,
    input: CreatePolicyDto,
  ): Promise<Policy> {
    try {
      return await this.em.transactional(async (em) => {
        const application = await this.applications.get(principal, applicationId, em);
        await this.authz.assert(principal, 'create', this.subjectOn(principal, application.id));
        const subjects = {
          userIds: unique(input.users),
          groupIds: unique(input.groups),
          roles: unique(input.roles),
        };
        await this.assertSubjects(em, principal.organizationId, subjects);
        const policy = em.create(Policy, {
          organizationId: principal.organizationId,
          applicationId: application.id,
          name: input.name,
          description: input.description ?? null,
          effect: input.effect,
          actions: unique(input.actions),
          ...subjects,
          createdById: principal.userId,
        });
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'policy.created',
          target: { type: 'Policy', id: policy.id },
          changes: {
            applicationId: { to: application.id },
            ...Object.fromEntries(AUDITED.map((field) => [field, { to: policy[field] }])),
          },
        });
        return policy;
      });
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  async update(
    principal: Principal,
    applicationId: string,
    id: string,
    input: UpdatePolicyDto,
  ): Promise<Policy> {
    try {
      return await this.em.transactional(async (em) => {
        const policy = await this.find(principal, applicationId, id, em);
        await this.authz.assert(principal, 'update', policy);
        const next = {
          name: input.name ?? policy.name,
          description: input.description === undefined ? policy.description : input.description,
          effect: input.effect ?? policy.effect,
          actions: input.actions === undefined ? policy.actions : unique(input.actions),
          userIds: input.users === undefined ? policy.userIds : unique(input.users),
          groupIds: input.groups === undefined ? policy.groupIds : unique(input.groups),
          roles: input.roles === undefined ? policy.roles : unique(input.roles),
        };
        await this.assertSubjects(em, principal.organizationId, next);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const field of AUDITED) {
          if (JSON.stringify(policy[field]) !== JSON.stringify(next[field]))
            changes[field] = { from: policy[field], to: next[field] };
        }
        if (Object.keys(changes).length === 0) return policy;
        em.assign(policy, next);
        await em.flush();
        await this.audit.record(em, {
          organizationId: principal.organizationId,
          actor: actorOf(principal),
          action: 'policy.updated',
          target: { type: 'Policy', id: policy.id },
          changes,
        });
        return policy;
      });
    } catch (error) {
      throw duplicateName(error) ?? error;
    }
  }

  async remove(principal: Principal, applicationId: string, id: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const policy = await this.find(principal, applicationId, id, em);
      await this.authz.assert(principal, 'delete', policy);
      em.remove(policy);
      await em.flush();
      await this.audit.record(em, {
        organizationId: principal.organizationId,
        actor: actorOf(principal),
        action: 'policy.deleted',
        target: { type: 'Policy', id: policy.id },
        changes: {
          applicationId: { from: policy.applicationId },
          ...Object.fromEntries(AUDITED.map((field) => [field, { from: policy[field] }])),
        },
      });
    });
  }

  /** A policy of an application the caller may see, which they may read; 404 otherwise. */
  private async find(
    principal: Principal,
    applicationId: string,
    id: string,
    em: EntityManager,
  ): Promise<Policy> {
    const application = await this.applications.get(principal, applicationId, em);
    const policy = await em.findOne(
      Policy,
      { id, applicationId: application.id },
      scoped(principal.organizationId),
    );
    if (policy === null) throw policyNotFound();
    await this.authz.assert(principal, 'read', policy);
    return policy;
  }

  private subjectOn(principal: Principal, applicationId: string) {
    return asSubject('Policy', {
      organizationId: principal.organizationId,
      applicationId,
      createdById: principal.userId,
    });
  }

  /** A policy names at least one user, group or role, and each of them exists. */
  private async assertSubjects(
    em: EntityManager,
    organizationId: string,
    subjects: Subjects,
  ): Promise<void> {
    if (subjects.userIds.length + subjects.groupIds.length + subjects.roles.length === 0) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'A policy must apply to at least one user, group or role (roles: ["*"] is everyone).',
        {
          type: 'validation-failed',
          errors: [{ field: 'users', message: 'name at least one user, group or role' }],
        },
      );
    }
    const roleKeys = subjects.roles.filter((key) => key !== EVERYONE);
    if (roleKeys.length > 0) (await this.roles.catalog(organizationId)).assertKnown(roleKeys);
    await this.applications.assertExist(em, organizationId, subjects);
  }
}
