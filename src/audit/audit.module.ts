import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, Module } from '@nestjs/common';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifierService } from './audit-verifier.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditEvent } from './entities/audit-event.entity';

/**
 * The audit trail: every module records its state changes through
 * AuditService.record inside its own transaction; GET /audit-events reads it.
 * Export and verification come with the audit issue.
 */
@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEvent])],
  controllers: [AuditController],
  providers: [AuditService, AuditQueryService, AuditVerifierService],
  exports: [AuditService],
})
export class AuditModule {}
