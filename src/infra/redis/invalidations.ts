import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from '@mikro-orm/postgresql';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisMirror } from './redis-mirror';
import { REVOKED_SESSION, SESSION_SNAPSHOT_TTL_SECONDS } from './versions';

/**
 * What a committed change tells every process: version counters to move
 * (`increment`), or session snapshots to mark revoked (`revoke-session`).
 */
export interface Invalidation {
  readonly kind: 'increment' | 'revoke-session';
  readonly keys: readonly string[];
}

interface OwedRow {
  kind: Invalidation['kind'];
  keys: string[];
}

/** How often a process that reaches Redis looks for invalidations another could not deliver. */
export const RELAY_POLL_MS = 250;
/**
 * How long a writer whose own delivery failed waits for another process to
 * deliver for it. The mirror's write has already waited a lease by then, so
 * every process still answering from a copy reaches Redis and relays within
 * one poll; a few polls of headroom cover a busy event loop.
 */
const RELAY_WAIT_MS = 6 * RELAY_POLL_MS;
const RELAY_BATCH = 100;

function changeFor(invalidation: Invalidation): (redis: Redis) => Promise<void> {
  return async (redis) => {
    const commands = redis.multi();
    for (const key of invalidation.keys) {
      if (invalidation.kind === 'increment') commands.incr(key);
      else commands.set(key, REVOKED_SESSION, 'EX', SESSION_SNAPSHOT_TTL_SECONDS);
    }
    const results = await commands.exec();
    const failed = results?.find(([error]) => error !== null);
    if (results === null || failed !== undefined) {
      throw failed?.[0] ?? new Error('the invalidation was not applied');
    }
  };
}

/**
 * Gets a committed change's invalidation to every process before its writer
 * answers. The writer delivers it itself through the RedisMirror. When it
 * cannot (this process has lost Redis while others still reach it, so their
 * copies and Redis itself still say what held before the change), it records
 * the invalidation in PostgreSQL, where every process that reaches Redis
 * looks for such rows every RELAY_POLL_MS and delivers them, and answers once
 * its row is gone. If no process delivers it in time, none reaches Redis:
 * every lease has run out, every process reads PostgreSQL, and the row is
 * delivered once Redis is back (so counters still move).
 */
@Injectable()
export class Invalidations implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Invalidations');
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private current: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly mirror: RedisMirror,
    private readonly em: EntityManager,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** Delivers the invalidation, or has another process deliver it; resolves when either did or none can. */
  async apply(invalidation: Invalidation): Promise<void> {
    if (invalidation.keys.length === 0) return;
    try {
      await this.deliver(invalidation);
      return;
    } catch {
      // Owed below: this process could not tell Redis, or could not tell the others.
    }
    let id: string;
    try {
      id = await this.owe(invalidation);
    } catch (error) {
      this.logger.error(
        `An invalidation of ${invalidation.keys.length} key(s) reached neither Redis nor PostgreSQL: ${(error as Error).message}`,
      );
      return;
    }
    if (!(await this.deliveredWithin(id, RELAY_WAIT_MS))) {
      this.logger.warn(
        `An invalidation of ${invalidation.keys.length} key(s) waits in PostgreSQL: no process reaches Redis`,
      );
    }
  }

  /**
   * Delivers what other processes owe, if this one reaches Redis; resolves with
   * how many rows it delivered. A failed delivery leaves the rows for the next run.
   */
  async relay(): Promise<number> {
    if (!this.mirror.leased) return 0;
    const em = this.em.fork();
    const [{ owed }] = await em.execute<{ owed: boolean }[]>(
      'select exists (select 1 from owed_invalidations) as owed',
    );
    if (!owed) return 0;
    return em.transactional(async (tx) => {
      const rows = await tx.execute<OwedRow[]>(
        `delete from owed_invalidations where id in (
           select id from owed_invalidations order by id limit ? for update skip locked
         ) returning kind, keys`,
        [RELAY_BATCH],
      );
      for (const kind of ['increment', 'revoke-session'] as const) {
        const keys = [
          ...new Set(rows.filter((row) => row.kind === kind).flatMap((row) => row.keys)),
        ];
        if (keys.length > 0) await this.deliver({ kind, keys });
      }
      return rows.length;
    });
  }

  private deliver(invalidation: Invalidation): Promise<void> {
    return this.mirror.write(invalidation.keys, changeFor(invalidation));
  }

  private async owe(invalidation: Invalidation): Promise<string> {
    const [row] = await this.em.fork().execute<{ id: string }[]>(
      // The keys go as one JSON text: the query builder would spread an array into a list.
      `insert into owed_invalidations (kind, keys)
         values (?, array(select jsonb_array_elements_text(?::jsonb))) returning id`,
      [invalidation.kind, JSON.stringify(invalidation.keys)],
    );
    return row.id;
  }

  private async deliveredWithin(id: string, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    const em = this.em.fork();
    do {
      await sleep(RELAY_POLL_MS / 5);
      const rows = await em.execute('select 1 from owed_invalidations where id = ?', [id]);
      if (rows.length === 0) return true;
    } while (performance.now() < deadline);
    return false;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.relay()
        .catch((error: unknown) =>
          this.logger.warn(`Owed invalidations not delivered yet: ${(error as Error).message}`),
        )
        .finally(() => this.schedule());
    }, RELAY_POLL_MS);
    this.timer.unref();
  }
}
