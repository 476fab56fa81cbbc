import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { withTimeout } from '../common/with-timeout';
import { ACCESS_REVIEW_QUEUE, MAIL_QUEUE, type QueueName } from '../infra/queue/queues';
import { OutboxMessage } from './outbox-message.entity';

const BATCH = 500;
/** How long one hand-over may wait for Redis before the relay gives up until its next run. */
const QUEUE_TIMEOUT_MS = 5_000;

interface PendingRow {
  id: string;
  queue: QueueName;
  job_name: string;
  payload: Record<string, unknown>;
}

/**
 * The transactional outbox. `add` records a job inside the caller's
 * transaction; `relay` hands committed rows to BullMQ with the row id as job
 * id and marks them dispatched. Callers kick the relay after commit; the
 * OutboxPoller runs it periodically, which delivers whatever waited while
 * Redis was unreachable.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger('Outbox');
  private readonly queues: ReadonlyMap<string, Queue>;
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly em: EntityManager,
    @InjectQueue(MAIL_QUEUE) mailQueue: Queue,
    @InjectQueue(ACCESS_REVIEW_QUEUE) accessReviewQueue: Queue,
  ) {
    this.queues = new Map([
      [MAIL_QUEUE, mailQueue],
      [ACCESS_REVIEW_QUEUE, accessReviewQueue],
    ]);
  }

  /** Records a job in the caller's transaction; it reaches the queue only if that commits. */
  add(
    em: EntityManager,
    message: {
      organizationId: string;
      queue: QueueName;
      jobName: string;
      payload: Record<string, unknown>;
    },
  ): OutboxMessage {
    return em.create(OutboxMessage, message);
  }

  /** Starts a relay run after a commit, without waiting for it. */
  kick(): void {
    this.relay().catch((error: unknown) =>
      this.logger.warn(`Outbox relay deferred: ${(error as Error).message}`),
    );
  }

  /**
   * Hands every undispatched row to its queue; resolves with how many were
   * handed over. One run at a time per process; a call during a run makes it
   * go round once more.
   */
  relay(): Promise<number> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    let total = 0;
    do {
      this.again = false;
      for (;;) {
        const handed = await this.relayBatch();
        total += handed;
        if (handed < BATCH) break;
      }
    } while (this.again);
    return total;
  }

  private async relayBatch(): Promise<number> {
    const connection = this.em.getConnection();
    const rows = await connection.execute<PendingRow[]>(
      `select id, queue, job_name, payload from outbox
        where dispatched_at is null order by created_at, id limit ?`,
      [BATCH],
    );
    if (rows.length === 0) return 0;
    for (const name of new Set(rows.map((row) => row.queue))) {
      const queue = this.queues.get(name);
      if (queue === undefined) {
        this.logger.error(`Outbox rows for an unknown queue "${name}" are left undispatched`);
        continue;
      }
      const jobs = rows
        .filter((row) => row.queue === name)
        .map((row) => ({ name: row.job_name, data: row.payload, opts: { jobId: row.id } }));
      // An existing job id is ignored by BullMQ: a row handed over twice runs once.
      await withTimeout(queue.addBulk(jobs), QUEUE_TIMEOUT_MS, `queue "${name}" is unreachable`);
      await connection.execute('update outbox set dispatched_at = now() where id in (?)', [
        jobs.map((job) => job.opts.jobId),
      ]);
    }
    return rows.length;
  }
}
