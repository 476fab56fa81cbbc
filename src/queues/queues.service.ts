import { InjectQueue } from '@nestjs/bullmq';
import { HttpStatus, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Principal } from '../authz/principal';
import { ProblemException } from '../common/problem/problem';
import { withTimeout } from '../common/with-timeout';
import {
  ACCESS_REVIEW_QUEUE,
  MAIL_QUEUE,
  MAINTENANCE_QUEUE,
  type QueueName,
} from '../infra/queue/queues';

const COUNTED = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'] as const;
const REDIS_TIMEOUT_MS = 3_000;
/** Failed jobs scanned per request when filtering to the caller's organization. */
const FAILED_SCAN = 500;

export interface QueueSummary {
  name: QueueName;
  counts: Record<(typeof COUNTED)[number], number>;
}

export interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | null;
  data: Record<string, unknown>;
}

const unavailable = () =>
  new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'The queue (Redis) is unreachable.', {
    type: 'dependency-unavailable',
  });

/**
 * Queue health for administrators. Counts are the deployment's; failed jobs
 * are listed only when they belong to the caller's organization (jobs carry
 * its id), so one tenant never sees another's.
 */
@Injectable()
export class QueuesService implements OnModuleInit {
  private readonly logger = new Logger('Queues');
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(
    @InjectQueue(MAIL_QUEUE) mail: Queue,
    @InjectQueue(MAINTENANCE_QUEUE) maintenance: Queue,
    @InjectQueue(ACCESS_REVIEW_QUEUE) accessReviews: Queue,
  ) {
    this.queues = new Map([
      [MAIL_QUEUE, mail],
      [MAINTENANCE_QUEUE, maintenance],
      [ACCESS_REVIEW_QUEUE, accessReviews],
    ]);
  }

  /** Without a listener, a queue's connection errors would go to the console unformatted. */
  onModuleInit(): void {
    for (const [name, queue] of this.queues) {
      queue.on('error', (error) => this.logger.warn(`Queue "${name}": ${error.message}`));
    }
  }

  async summaries(): Promise<QueueSummary[]> {
    return Promise.all(
      [...this.queues].map(async ([name, queue]) => ({
        name,
        counts: (await this.redis(queue.getJobCounts(...COUNTED))) as QueueSummary['counts'],
      })),
    );
  }

  async failed(principal: Principal, name: string, limit: number): Promise<FailedJob[]> {
    const queue = this.queues.get(name as QueueName);
    if (queue === undefined) {
      throw new ProblemException(HttpStatus.NOT_FOUND, `No queue named "${name}".`);
    }
    const jobs = await this.redis(queue.getFailed(0, FAILED_SCAN - 1));
    return jobs
      .filter(
        (job) =>
          (job.data as { organizationId?: unknown } | undefined)?.organizationId ===
          principal.organizationId,
      )
      .slice(0, limit)
      .map((job) => ({
        id: String(job.id),
        name: job.name,
        failedReason: job.failedReason,
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        data: job.data as Record<string, unknown>,
      }));
  }

  private redis<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, REDIS_TIMEOUT_MS, 'queue unreachable').catch(() => {
      throw unavailable();
    });
  }
}
