import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ProblemException } from '../common/problem/problem';
import { Organization } from './organization.entity';

/**
 * The organizations every other row belongs to, as the layers above read
 * them: sign-in finds one by slug, the directory reads its settings, the
 * audit trail its retention. Changing an organization's name or settings is
 * the organizations feature's work, with the caller's ability and an audit event.
 */
@Injectable()
export class TenancyService {
  constructor(private readonly em: EntityManager) {}

  findBySlug(slug: string): Promise<Organization | null> {
    return this.em.fork().findOne(Organization, { slug: slug.trim().toLowerCase() });
  }

  findById(id: string): Promise<Organization | null> {
    return this.em.fork().findOne(Organization, { id });
  }

  /** The organization a principal belongs to; 404 if it has gone. */
  async require(id: string): Promise<Organization> {
    const organization = await this.findById(id);
    if (organization === null)
      throw new ProblemException(HttpStatus.NOT_FOUND, 'No such organization.');
    return organization;
  }

  /** Every organization, for jobs that act on each (maintenance); never for a request. */
  listAll(): Promise<Organization[]> {
    return this.em.fork().find(Organization, {}, { orderBy: { createdAt: 'asc' } });
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
}
