import type { EntityManager } from '@mikro-orm/postgresql';

/** A statement PostgreSQL parses and plans once per pooled connection, then only executes. */
export interface PreparedStatement {
  /** Unique per statement text: the driver keys its per-connection cache by it. */
  readonly name: string;
  readonly text: string;
}

/** The part of a `pg` client a prepared statement needs. */
interface DriverClient {
  query(config: {
    name: string;
    text: string;
    values: readonly unknown[];
  }): Promise<{ rows: unknown[] }>;
}

interface DriverPool {
  acquireConnection(): Promise<DriverClient>;
  releaseConnection(client: DriverClient): Promise<void>;
  listenerCount(event: string): number;
  emit(event: string, query: { sql: string; bindings: readonly unknown[]; name: string }): boolean;
}

/**
 * Runs a prepared statement on a connection of the ORM's own pool, through the
 * driver: no query building, no identity map, no hydration, and after the first
 * execution on a connection no parse or plan either. For hot reads, whose rows
 * are mapped by hand beside their entity; writes and unit-of-work logic stay
 * with the ORM. Rows come with the ORM's type parsers (timestamps and bigints
 * as strings, arrays and JSON parsed).
 */
export async function queryPrepared<Row>(
  em: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<Row[]> {
  const pool = em.getConnection().getKnex().client as DriverPool;
  // Announced like the ORM's own queries, to whoever listens to knex's 'query' event.
  if (pool.listenerCount('query') > 0)
    pool.emit('query', { sql: statement.text, bindings: values, name: statement.name });
  const client = await pool.acquireConnection();
  try {
    const result = await client.query({ name: statement.name, text: statement.text, values });
    return result.rows as Row[];
  } finally {
    await pool.releaseConnection(client);
  }
}
