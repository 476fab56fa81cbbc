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
import { Invalidations } from './invalidations';
import { RedisMirror } from './redis-mirror';
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

/** The mirror of hot keys, on a subscriber connection of its own that waits for Redis when it is down. */
function createMirror(config: AppConfig, redis: Redis): RedisMirror {
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', () => undefined); // the main client reports the same outage
  const mirror = new RedisMirror(redis, subscriber, { channelPrefix: config.redisKeyPrefix });
  mirror.start();
  return mirror;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly mirror: RedisMirror,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.mirror.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [AppConfig], useFactory: createRedis },
    { provide: RedisMirror, inject: [AppConfig, REDIS], useFactory: createMirror },
    RedisLifecycle,
    Invalidations,
  ],
  exports: [REDIS, RedisMirror, Invalidations],
})
export class RedisModule {}
