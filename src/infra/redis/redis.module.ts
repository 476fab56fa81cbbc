import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../../config/app-config';
import { redisOptionsFromUrl } from './redis-options';

export const REDIS = Symbol('REDIS');

/**
 * Warden's own Redis client (caches, counters, pub/sub). Commands fail fast
 * while Redis is unreachable (no offline queue), so callers can answer 503 or
 * degrade; the client reconnects by itself. Keys carry the configured prefix.
 */
function createRedis(config: AppConfig): Redis {
  const logger = new Logger('Redis');
  const client = new Redis({
    ...redisOptionsFromUrl(config.redisUrl),
    keyPrefix: `${config.redisKeyPrefix}:`,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn(`Redis: ${error.message}`);
    lastError = error.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  return client;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [{ provide: REDIS, inject: [AppConfig], useFactory: createRedis }, RedisLifecycle],
  exports: [REDIS],
})
export class RedisModule {}
