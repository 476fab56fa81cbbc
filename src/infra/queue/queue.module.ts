import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';

/**
 * BullMQ on the configured Redis. Queues live under `<REDIS_KEY_PREFIX>:bull`,
 * so deployments and test runs sharing a Redis never see each other's jobs.
 * Feature modules add queues with BullModule.registerQueue and processors with
 * @Processor; @nestjs/bullmq closes queues and lets running jobs finish on shutdown.
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
  ],
  exports: [BullModule],
})
export class QueueModule {}
