import { InjectQueue, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { DrainingWorkerHost } from '../infra/queue/draining-worker-host';
import { ACCESS_REVIEW_QUEUE } from '../infra/queue/queues';
import { REVIEW_MAIL_JOB, type ReviewMailJob } from './access-review-mail';
import { AccessReviewSweepService } from './access-review-sweep.service';
import { RECUR_JOB } from './access-reviews.service';

export const SWEEP_JOB = 'sweep';

/**
 * The `access-reviews` queue: the sweep (a job scheduler upserted at start, so
 * every worker agrees on one schedule), review mail (queued through the
 * outbox; retried with backoff), and each recurring series' next campaign.
 */
@Processor(ACCESS_REVIEW_QUEUE)
export class AccessReviewProcessor extends DrainingWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly reviews: AccessReviewSweepService,
    private readonly config: AppConfig,
    @InjectQueue(ACCESS_REVIEW_QUEUE) private readonly queue: Queue,
  ) {
    super(config.workerShutdownGraceMs, new Logger('AccessReviewWorker'));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SWEEP_JOB,
      { every: this.config.maintenance.accessReviewsEverySeconds * 1000 },
      { name: SWEEP_JOB, opts: { attempts: 3 } },
    );
  }

  protected async handle(job: Job): Promise<unknown> {
    switch (job.name) {
      case SWEEP_JOB:
        return this.reviews.sweep();
      case REVIEW_MAIL_JOB:
        return this.reviews.sendMail(job.data as ReviewMailJob);
      case RECUR_JOB: {
        const data = job.data as { organizationId: string; seriesId: string };
        return this.reviews.recur(data.organizationId, data.seriesId);
      }
      default:
        throw new UnrecoverableError(`Unknown access review job "${job.name}"`);
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Access review worker: ${error.message}`);
  }
}
