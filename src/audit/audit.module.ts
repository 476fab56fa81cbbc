import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { AppConfig } from '../../config/app-config';
import { TenancyModule } from '../tenancy/tenancy.module';
import { AUDIT_EXPORT_POOL, AuditExportService, createExportPool } from './audit-export.service';
import { AuditKeyring, CheckpointSigner } from './audit-keys';
import { RefusalRecorder } from '../authz/refusal-recorder';
import { AuditCheckpointService } from './audit-checkpoints.service';
import { AuditRefusalRecorder } from './audit-refusal-recorder';
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
  imports: [MikroOrmModule.forFeature([AuditEvent]), TenancyModule],
  controllers: [AuditController],
  providers: [
    AuditService,
    { provide: RefusalRecorder, useClass: AuditRefusalRecorder },
    AuditCheckpointService,
    AuditQueryService,
    AuditVerifierService,
    AuditExportService,
    AuditPartitionsService,
    { provide: AUDIT_EXPORT_POOL, inject: [AppConfig], useFactory: createExportPool },
    {
      provide: AuditKeyring,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (config.audit.chainKey === undefined) throw new Error('AUDIT_CHAIN_KEY is not resolved');
        return new AuditKeyring(config.audit.chainKey, config.audit.previousChainKeys);
      },
    },
    {
      provide: CheckpointSigner,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (config.audit.signingKey === undefined)
          throw new Error('AUDIT_SIGNING_KEY is not resolved');
        return new CheckpointSigner(config.audit.signingKey);
      },
    },
    ExportPoolLifecycle,
  ],
  exports: [AuditService, AuditPartitionsService, AuditCheckpointService, RefusalRecorder],
})
export class AuditModule {}
