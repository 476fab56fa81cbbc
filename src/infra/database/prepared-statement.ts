import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Pool, type PoolConfig } from 'pg';
import { AppConfig } from '../../../config/app-config';
import { DATABASE_CONNECT_TIMEOUT_MS } from '../../../config/mikro-orm.config';

/** How many statement texts queryShape prepares; each is kept on every connection that ran it. */
const MAX_SHAPES = 1_000;

/** A statement PostgreSQL parses and plans once per pooled connection, then only executes. */
export interface PreparedStatement {
  /** Unique per statement text: the driver keys its per-connection cache by it. */
  readonly name: string;
  readonly text: string;
}

/** Knex's client: the ORM announces its queries as 'query' events on it. */
interface QueryAnnouncer {
  listenerCount(event: string): number;
  emit(event: string, query: { sql: string; bindings: readonly unknown[]; name: string }): boolean;
}

/**
 * Hot reads as prepared statements, through the driver: no query building,
 * no identity map, no hydration, and no parse or plan once a connection has
 * run the statement. For reads whose rows are mapped by hand beside their
 * entity; writes and unit-of-work logic stay with the ORM.
 *
 * They run on a pool of their own whose connections use generic plans only
 * (`plan_cache_mode = force_generic_plan`). PostgreSQL's default plans a
 * statement anew on every execution while a plan for the values at hand looks
 * cheaper than the generic one, which is always so for `= any($n::uuid[])`
 * with a short array: a one-check decision call spent twice its execution
 * time in the planner, on every call. JIT is off on that pool: a generic plan
 * costs rows with default selectivities, and a short read whose generic cost
 * passed jit_above_cost (a page of users under `limit $n`: 25 ms of JIT
 * compiling for 2 ms of execution) would compile on every execution. The
 * ORM's own queries keep the defaults on the ORM's pool: their SQL varies,
 * and some plans rightly depend on the values (date ranges on partitioned
 * audit events, text search).
 *
 * Rows come with the ORM's type parsers (timestamps and bigints as strings,
 * arrays and JSON parsed). Reads see committed data only: they do not join
 * the caller's transaction.
 */
@Injectable()
export class PreparedReads implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly announcer: QueryAnnouncer;
  /** Statement names by text, for queryShape. */
  private readonly shapes = new Map<string, string>();

  constructor(orm: MikroORM, config: AppConfig) {
    const connection = (orm.em as EntityManager).getConnection();
    this.announcer = connection.getKnex().client as QueryAnnouncer;
    const { types } = connection.getConnectionOptions() as Pick<PoolConfig, 'types'>;
    // Connections open on first use, so a process that never reads this way holds none.
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      types,
      max: config.databasePoolMax,
      connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      options: '-c plan_cache_mode=force_generic_plan -c jit=off',
    });
    const logger = new Logger('PreparedReads');
    // An idle connection that breaks emits 'error' on the pool; unheard, it would end the process.
    this.pool.on('error', (error) => logger.warn(`Idle connection failed: ${error.message}`));
  }

  async query<Row>(statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
    // Announced like the ORM's own queries, to whoever listens to knex's 'query' event.
    if (this.announcer.listenerCount('query') > 0)
      this.announcer.emit('query', { sql: statement.text, bindings: values, name: statement.name });
    const result = await this.pool.query({
      name: statement.name,
      text: statement.text,
      values: values as unknown[],
    });
    return result.rows as Row[];
  }

  /**
   * Runs a statement whose text a query builder made (its values as $n
   * parameters) as a prepared statement named after the text, so each shape
   * of a dynamic read is parsed and planned once per connection. Only for
   * reads whose generic plan is as good as a custom one (no pattern matching,
   * no ranges the plan should see). Every name stays prepared on every
   * connection that ran it, so the shapes are bounded: past MAX_SHAPES new
   * texts answer undefined and the caller runs them its own way.
   */
  async queryShape<Row>(
    prefix: string,
    text: string,
    values: readonly unknown[],
  ): Promise<Row[] | undefined> {
    let name = this.shapes.get(text);
    if (name === undefined) {
      if (this.shapes.size >= MAX_SHAPES) return undefined;
      name = `${prefix}_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.shapes.set(text, name);
    }
    return this.query<Row>({ name, text }, values);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
