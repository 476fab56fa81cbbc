import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../authz/principal';
import { asSubject, AuthzService } from '../authz/authz.service';
import { scoped } from '../infra/database/organization-owned.entity';
import type { ListAuditEventsQueryDto } from './dto/audit-event.dto';
import { AuditEvent } from './entities/audit-event.entity';

/** Reading the audit trail: filters, newest first, cursor pages (the cursor is the chain's seq). */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly em: EntityManager,
    private readonly authz: AuthzService,
  ) {}

  async list(
    principal: Principal,
    query: ListAuditEventsQueryDto,
  ): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    await this.authz.assert(
      principal,
      'read',
      asSubject('AuditEvent', { organizationId: principal.organizationId }),
    );
    const limit = query.limit ?? 50;
    const where: Record<string, unknown>[] = [];
    if (query.from) where.push({ occurredAt: { $gte: new Date(query.from) } });
    if (query.to) where.push({ occurredAt: { $lt: new Date(query.to) } });
    if (query.actorId) where.push({ actorId: query.actorId });
    if (query.action) {
      where.push(
        query.action.endsWith('.')
          ? { action: { $like: `${query.action.replace(/[\\%_]/g, '\\$&')}%` } }
          : { action: query.action },
      );
    }
    if (query.targetType) where.push({ targetType: query.targetType });
    if (query.targetId) where.push({ targetId: query.targetId });
    if (query.outcome) where.push({ outcome: query.outcome });
    if (query.cursor) where.push({ seq: { $lt: query.cursor } });
    const rows = await this.em.find(
      AuditEvent,
      { $and: where },
      scoped(principal.organizationId, { orderBy: { seq: 'desc' }, limit: limit + 1 } as const),
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? last.seq : null };
  }
}
