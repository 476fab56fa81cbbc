import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { OutboxService } from './outbox.service';

/**
 * Runs the outbox relay every OUTBOX_POLL_MS in worker processes: the safety
 * net that delivers what committed while Redis was unreachable, or what a
 * crashed process committed but never handed over.
 */
@Injectable()
export class OutboxPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  /** Stops polling and lets a running relay finish before queues and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.outbox
        .relay()
        .then((handed) => {
          if (handed > 0) this.logger.log(`Relayed ${handed} outbox message(s) to the queue`);
        })
        .catch((error: unknown) =>
          this.logger.warn(`Outbox relay deferred: ${(error as Error).message}`),
        )
        .finally(() => this.schedule(this.config.outboxPollMs));
    }, delayMs);
  }
}
