import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { AppConfig } from '../../config/app-config';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AUDIT_EXPORT_POOL, AuditExportService, createExportPool } from './audit-export.service';
import { AuditPartitionsService } from './audit-partitions.service';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifierService } from './audit-verifier.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditEvent } from './entities/audit-event.entity';

/**
 * The audit trail: every module records its state changes through
 * AuditService.record inside its own transaction; GET /audit-events reads it.
 * Export streams from a pool of its own; verification recomputes the chain.
 */
@Injectable()
class ExportPoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_EXPORT_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([AuditEvent]), OrganizationsModule],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditQueryService,
    AuditVerifierService,
    AuditExportService,
    AuditPartitionsService,
    { provide: AUDIT_EXPORT_POOL, inject: [AppConfig], useFactory: createExportPool },
    ExportPoolLifecycle,
  ],
  exports: [AuditService, AuditPartitionsService],
})
export class AuditModule {}
