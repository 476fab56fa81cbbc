import { InjectQueue, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { DrainingWorkerHost } from '../infra/queue/draining-worker-host';
import { MAINTENANCE_QUEUE } from '../infra/queue/queues';
import { MaintenanceService } from './maintenance.service';
import { AuditCheckpointService } from '../audit/audit-checkpoints.service';
import { AuditPartitionsService } from '../audit/audit-partitions.service';

export const MAINTENANCE_JOBS = [
  'sessions.purge',
  'invites.expire',
  'audit.partitions',
  'audit.checkpoints',
] as const;
export type MaintenanceJob = (typeof MAINTENANCE_JOBS)[number];

/**
 * The `maintenance` queue: repeatable jobs (BullMQ job schedulers, upserted at
 * start so every worker process agrees on one schedule) and their worker.
 */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends DrainingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly auditPartitions: AuditPartitionsService,
    private readonly auditCheckpoints: AuditCheckpointService,
    private readonly config: AppConfig,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
  ) {
    super(config.workerShutdownGraceMs, new Logger('MaintenanceWorker'));
  }

  async onApplicationBootstrap(): Promise<void> {
    const every: Record<MaintenanceJob, number> = {
      'sessions.purge': this.config.maintenance.sessionsEverySeconds,
      'invites.expire': this.config.maintenance.invitesEverySeconds,
      'audit.partitions': this.config.maintenance.auditEverySeconds,
      'audit.checkpoints': this.config.maintenance.checkpointEverySeconds,
    };
    for (const name of MAINTENANCE_JOBS) {
      await this.queue.upsertJobScheduler(name, { every: every[name] * 1000 }, { name });
    }
  }

  protected async handle(job: Job): Promise<unknown> {
    switch (job.name as MaintenanceJob) {
      case 'sessions.purge':
        return this.maintenance.purgeSessions();
      case 'invites.expire':
        return this.maintenance.expireInvites();
      case 'audit.partitions': {
        const partitions = await this.auditPartitions.createUpcoming();
        return { partitions, ...(await this.auditPartitions.applyRetention()) };
      }
      case 'audit.checkpoints':
        return this.auditCheckpoints.issueAll();
      default:
        throw new UnrecoverableError(`Unknown maintenance job "${job.name}"`);
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Maintenance worker: ${error.message}`);
  }
}
