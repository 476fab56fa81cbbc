import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { DrainingWorkerHost } from '../infra/queue/draining-worker-host';
import { MAIL_QUEUE } from '../infra/queue/queues';
import { InviteDeliveryService } from './invite-delivery.service';
import { INVITE_MAIL_JOB, type InviteMailJob } from './invite-mail-job';

/** The `mail` queue's worker. A failed send throws, and BullMQ retries it with exponential backoff. */
@Processor(MAIL_QUEUE)
export class MailProcessor extends DrainingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly delivery: InviteDeliveryService,
    private readonly config: AppConfig,
  ) {
    super(config.workerShutdownGraceMs, new Logger('MailWorker'));
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.mail.concurrency;
  }

  protected async handle(job: Job<InviteMailJob>): Promise<string> {
    if (job.name !== INVITE_MAIL_JOB || job.id === undefined) {
      throw new UnrecoverableError(`Unknown mail job "${job.name}"`);
    }
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.delivery.deliver(job.data.organizationId, job.data.inviteId, job.id, { final });
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Mail worker: ${error.message}`);
  }
}
