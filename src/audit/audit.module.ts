import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { AuditEvent } from './entities/audit-event.entity';

/**
 * The audit trail: every module records its state changes through
 * AuditService.record inside its own transaction. Query, export and
 * verification endpoints come with the audit issue.
 */
@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEvent])],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
