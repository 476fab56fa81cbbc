import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '../audit/audit.service';
import { AuthzService } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import type { UpdateOrganizationDto } from './dto/organization.dto';
import { Organization } from '../tenancy/organization.entity';

/** An organization reads and changes its own name and settings (the tenancy layer reads them for everyone else). */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
    private readonly audit: AuditService,
  ) {}

  async getOwn(principal: Principal): Promise<Organization> {
    const organization = await this.em
      .fork()
      .findOneOrFail(Organization, { id: principal.organizationId });
    await this.authz.assert(principal, 'read', organization);
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
