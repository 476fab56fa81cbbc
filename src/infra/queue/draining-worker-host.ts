import { WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { withTimeout } from '../../common/with-timeout';

/**
 * A queue worker whose shutdown is bounded. On shutdown it stops taking jobs,
 * lets the running ones finish within the grace period, then closes.
 *
 * Why not BullMQ's graceful `worker.close()`: while Redis is unreachable, or
 * in the second after it returns, the worker's blocking connection sits in
 * ioredis' `reconnecting` state, and close() waits for an `end` event that
 * ioredis never emits (taskforcesh/bullmq#4656), so the process never exits.
 * Forced close disconnects without waiting for that event; the running jobs
 * are awaited here instead. @nestjs/bullmq's own close afterwards is a no-op.
 */
export abstract class DrainingWorkerHost extends WorkerHost implements BeforeApplicationShutdown {
  /** Jobs taken and not yet recorded as completed or failed in Redis. */
  private readonly active = new Set<string>();
  private listening = false;
  private onIdle: (() => void) | undefined;

  protected constructor(
    private readonly shutdownGraceMs: number,
    protected readonly logger: Logger,
  ) {
    super();
  }

  /** The job's work; `process` wraps it so shutdown knows what is still running. */
  protected abstract handle(job: Job): Promise<unknown>;

  async process(job: Job): Promise<unknown> {
    this.trackOutcomes();
    if (job.id !== undefined) this.active.add(job.id);
    return this.handle(job);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    // Stop fetching new jobs; the running ones are awaited below, not by pause().
    await worker.pause(true);
    const count = this.active.size;
    if (count > 0) {
      const idle = new Promise<void>((resolve) => {
        this.onIdle = resolve;
      });
      await withTimeout(idle, this.shutdownGraceMs, 'grace period over').then(
        () => this.logger.log(`Finished ${count} running job(s) before shutting down`),
        () =>
          this.logger.warn(
            `${this.active.size} job(s) still running after ${this.shutdownGraceMs} ms; ` +
              'closing anyway, they will be retried',
          ),
      );
    }
    await worker.close(true);
  }

  /** A job is done once BullMQ has recorded its outcome, not when the handler returns. */
  private trackOutcomes(): void {
    if (this.listening) return;
    this.listening = true;
    const settle = (job: Job | undefined) => {
      if (job?.id !== undefined) this.active.delete(job.id);
      if (this.active.size === 0) this.onIdle?.();
    };
    this.worker.on('completed', settle);
    this.worker.on('failed', settle);
  }
}
