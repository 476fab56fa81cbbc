import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import type { UpdateOrganizationDto } from './dto/organization.dto';
import { Organization } from './entities/organization.entity';

/** Organizations (tenants) and their settings. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
  ) {}

  findBySlug(slug: string): Promise<Organization | null> {
    return this.em.fork().findOne(Organization, { slug: slug.trim().toLowerCase() });
  }

  /** Every organization, for jobs that act on each (maintenance); never for a request. */
  listAll(): Promise<Organization[]> {
    return this.em.fork().find(Organization, {}, { orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<Organization | null> {
    return this.em.fork().findOne(Organization, { id });
  }

  async getOwn(principal: Principal): Promise<Organization> {
    const organization = await this.em
      .fork()
      .findOneOrFail(Organization, { id: principal.organizationId });
    await this.authz.assert(principal, 'read', organization);
    return organization;
  }

  count(): Promise<number> {
    return this.em.fork().count(Organization, {});
  }

  /** Creates an organization inside the caller's transaction; a taken slug is a 409. */
  async create(em: EntityManager, input: { slug: string; name: string }): Promise<Organization> {
    const organization = em.create(Organization, {
      slug: input.slug.toLowerCase(),
      name: input.name,
    });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new ProblemException(HttpStatus.CONFLICT, 'Organization slug already exists', {
          type: 'conflict',
        });
      }
      throw error;
    }
    return organization;
  }

  async update(principal: Principal, input: UpdateOrganizationDto): Promise<Organization> {
    return this.em.fork().transactional(async (em) => {
      const organization = await em.findOneOrFail(Organization, { id: principal.organizationId });
      await this.authz.assert(principal, 'update', organization);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (input.name !== undefined && input.name !== organization.name) {
        changes.name = { from: organization.name, to: input.name };
        organization.name = input.name;
      }
      for (const [key, value] of Object.entries(input.settings ?? {})) {
        const current = (organization.settings as Record<string, unknown>)[key];
        if (value !== undefined && value !== current)
          changes[`settings.${key}`] = { from: current ?? null, to: value };
      }
      organization.settings = { ...organization.settings, ...input.settings };
      await em.flush();
      if (Object.keys(changes).length === 0) return organization;
      await this.audit.record(em, {
        organizationId: organization.id,
        actor: actorOf(principal),
        action: 'organization.updated',
        target: { type: 'Organization', id: organization.id },
        changes,
      });
      return organization;
    });
  }
}
