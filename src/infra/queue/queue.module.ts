import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { ACCESS_REVIEW_QUEUE, MAIL_QUEUE, MAINTENANCE_QUEUE } from './queues';

const DAY_SECONDS = 86_400;

/**
 * BullMQ on the configured Redis. Queues live under `<REDIS_KEY_PREFIX>:bull`,
 * so deployments and test runs sharing a Redis never see each other's jobs.
 * Processors are registered by WorkersModule; @nestjs/bullmq closes queues and
 * lets running jobs finish on shutdown.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        prefix: `${config.redisKeyPrefix}:bull`,
        // BullMQ's blocking commands need unlimited retries per request.
        connection: { url: config.redisUrl, maxRetriesPerRequest: null },
      }),
    }),
    BullModule.registerQueueAsync(
      {
        name: MAIL_QUEUE,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({
          defaultJobOptions: {
            attempts: config.mail.maxAttempts,
            backoff: { type: 'exponential', delay: config.mail.backoffMs },
            // Completed jobs are kept a week: re-adding the same job id within it is a no-op.
            removeOnComplete: { age: 7 * DAY_SECONDS },
            removeOnFail: { age: 30 * DAY_SECONDS },
          },
        }),
      },
      {
        name: MAINTENANCE_QUEUE,
        useFactory: () => ({
          defaultJobOptions: {
            attempts: 3,
            backoff: { type: 'exponential', delay: 60_000 },
            removeOnComplete: { count: 100 },
            removeOnFail: { count: 500 },
          },
        }),
      },
      {
        name: ACCESS_REVIEW_QUEUE,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({
          defaultJobOptions: {
            attempts: config.mail.maxAttempts,
            backoff: { type: 'exponential', delay: config.mail.backoffMs },
            // Completed jobs are kept a week: re-adding the same job id within it is a no-op.
            removeOnComplete: { age: 7 * DAY_SECONDS },
            removeOnFail: { age: 30 * DAY_SECONDS },
          },
        }),
      },
    ),
  ],
  exports: [BullModule],
})
export class QueueModule {}
