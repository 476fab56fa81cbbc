import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type Refusal, RefusalRecorder } from '../authz/refusal-recorder';
import { actorOf, AuditService } from './audit.service';

/** Every authorization refusal becomes an `authz.denied` event, in a transaction of its own. */
@Injectable()
export class AuditRefusalRecorder extends RefusalRecorder {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async record({ principal, attempted, target }: Refusal): Promise<void> {
    await this.audit.record(this.em.fork(), {
      organizationId: principal.organizationId,
      actor: actorOf(principal),
      action: 'authz.denied',
      target,
      outcome: 'failure',
      reason: attempted,
    });
  }
}
