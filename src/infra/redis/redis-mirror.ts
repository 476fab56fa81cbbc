import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface RedisMirrorOptions {
  /** Prefix of the mirror's pub/sub channels (ioredis's keyPrefix does not apply to channels). */
  channelPrefix: string;
  /** How long a heartbeat that came back lets the mirror answer, from when it was sent. */
  leaseMs?: number;
  heartbeatMs?: number;
  maxEntries?: number;
  /** Longest a mirrored value is kept without being read from Redis again. */
  entryTtlMs?: number;
}

/** A mirrored value: Redis's answer, `null` for a missing key. */
interface Entry {
  value: string | null;
}

interface PendingAnnouncement {
  acknowledged: number;
  receivers: number;
  done: () => void;
}

const DEFAULT_LEASE_MS = 2_000;
const DEFAULT_HEARTBEAT_MS = 500;
/** Headroom for the two clocks' rates: the writer waits a full lease, the reader stops short of one. */
const LEASE_MARGIN = 0.9;

/**
 * A process-local copy of the few Redis keys every authorized request reads
 * (session snapshots and the version counters that tell a cached principal
 * went stale), so that such a request needs no Redis round trip, without
 * letting a revocation apply any later than the very next request.
 *
 * Two rules keep every copy coherent:
 * - Changes go through `write`. It changes Redis, publishes the changed keys
 *   and returns only once every subscribed process has dropped them (each
 *   acknowledges) or can no longer be answering from its copy (a lease has run
 *   out since). Callers answer their client after that, so the client's next
 *   request, on whichever instance, reads the new value.
 * - A process answers from its copy only under a lease: every heartbeat it
 *   publishes on its own channel and receives back over its subscription
 *   (which delivers in publishing order, so every invalidation published
 *   before the heartbeat has been applied) lets it answer until the
 *   heartbeat's send time plus the lease. A subscription that stalls or drops
 *   stops the heartbeats; the lease runs out within `leaseMs` and reads go to
 *   Redis again, and a lease regained starts from an empty copy.
 *
 * Reads while Redis is unreachable fail (the caller degrades as before),
 * unless a lease still holds.
 */
export class RedisMirror {
  private readonly entries: LRUCache<string, Entry>;
  private readonly instance = randomUUID();
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly invalidations: string;
  private readonly acknowledgements: string;
  private readonly heartbeats: string;
  /** Until when (performance.now()) the copy may answer. */
  private leaseUntil = 0;
  /** Moves on every invalidation and lost lease: a read that straddles one keeps nothing. */
  private generation = 0;
  /** Moves whenever the copy is emptied: see `epoch`. */
  private emptied = 0;
  private sequence = 0;
  private readonly heartbeatsSent = new Map<number, number>();
  private readonly pending = new Map<string, PendingAnnouncement>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    options: RedisMirrorOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.entries = new LRUCache({
      max: options.maxEntries ?? 50_000,
      ttl: options.entryTtlMs ?? 60_000,
    });
    this.invalidations = `${options.channelPrefix}:mirror:invalidate`;
    this.acknowledgements = `${options.channelPrefix}:mirror:ack`;
    this.heartbeats = `${options.channelPrefix}:mirror:heartbeat:${this.instance}`;
  }

  /** Subscribes and starts the heartbeats; does not wait for Redis (reads go there until the lease). */
  start(): void {
    this.subscriber.on('message', (channel: string, message: string) =>
      this.receive(channel, message),
    );
    for (const event of ['close', 'reconnecting', 'end'])
      this.subscriber.on(event, () => this.loseLease());
    this.subscriber
      .subscribe(this.invalidations, this.acknowledgements, this.heartbeats)
      .then(() => this.heartbeat())
      .catch(() => undefined);
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
    this.heartbeat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.loseLease();
    for (const announcement of this.pending.values()) announcement.done();
    // No QUIT: it would wait for a Redis that may be unreachable, and a subscription has nothing to flush.
    this.subscriber.disconnect();
  }

  /** Whether reads are answered from this process's copy now. */
  get leased(): boolean {
    return performance.now() < this.leaseUntil;
  }

  /**
   * Moves whenever the copy is emptied (a lease lost, or regained after a
   * gap). What a caller keeps beside the mirror, checked against version
   * counters read here, holds only while the epoch stays the same: a counter
   * whose bump failed while Redis was away reads the same value afterwards.
   */
  get epoch(): number {
    return this.emptied;
  }

  /**
   * The epoch while the copy holds its lease, else null. A cache that keeps
   * what it derived from keys read here (a principal, a resolved API key, a
   * decision's user) keeps and trusts an entry only under the epoch it was
   * made in: a lease lost and regained means invalidations may have been
   * missed, and a change whose Redis write failed meanwhile left its version
   * counter, or a session snapshot, as it was.
   */
  get leasedEpoch(): number | null {
    return this.leased ? this.emptied : null;
  }

  /** The keys' values (null where missing), from the copy under a lease, else one MGET. */
  async read(keys: readonly string[]): Promise<(string | null)[]> {
    if (this.leased) {
      const values: (string | null)[] = [];
      for (const key of keys) {
        const entry = this.entries.get(key);
        if (entry === undefined) break;
        values.push(entry.value);
      }
      if (values.length === keys.length) return values;
    }
    const generation = this.generation;
    const values = await this.redis.mget(...keys);
    if (generation === this.generation && this.leased)
      keys.forEach((key, index) => this.entries.set(key, { value: values[index] ?? null }));
    return values;
  }

  /**
   * Changes keys in Redis, then waits until no process can answer from an old
   * copy of them. The keys are announced either way. Rejects when the change
   * failed, or when the announcement could not be published: then another
   * process that still reaches Redis may keep answering from its copy, and the
   * caller must see that the change did not get out (see Invalidations).
   */
  async write(keys: readonly string[], change: (redis: Redis) => Promise<unknown>): Promise<void> {
    this.forget(keys);
    let published = false;
    try {
      await change(this.redis);
    } finally {
      published = await this.announce(keys);
    }
    if (!published) throw new Error('the invalidation could not be published to Redis');
  }

  /**
   * Fills a key no other process holds a stale copy of (a cache fill, not a
   * change): keeps the value `change` reports Redis now holds, unless an
   * invalidation of anything arrived meanwhile. Announces nothing.
   */
  async fill(
    key: string,
    change: (redis: Redis) => Promise<string | null>,
  ): Promise<string | null> {
    const generation = this.generation;
    const value = await change(this.redis);
    if (generation === this.generation && this.leased) this.entries.set(key, { value });
    return value;
  }

  /** Resolves once every receiver acknowledged or a lease has passed; with whether the publish got out. */
  private async announce(keys: readonly string[]): Promise<boolean> {
    const nonce = randomUUID();
    let published = false;
    let timeout: NodeJS.Timeout | undefined;
    const settled = new Promise<void>((resolve) => {
      this.pending.set(nonce, {
        acknowledged: 0,
        receivers: Number.POSITIVE_INFINITY,
        done: resolve,
      });
      // Whoever has not acknowledged by then is past its lease; so is everyone if this never got out.
      timeout = setTimeout(resolve, this.leaseMs);
    });
    this.redis
      .publish(this.invalidations, JSON.stringify({ nonce, keys }))
      .then((receivers) => {
        published = true;
        const announcement = this.pending.get(nonce);
        if (announcement === undefined) return;
        announcement.receivers = receivers;
        if (announcement.acknowledged >= receivers) announcement.done();
      })
      .catch(() => undefined);
    await settled;
    clearTimeout(timeout);
    this.pending.delete(nonce);
    return published;
  }

  private receive(channel: string, message: string): void {
    if (channel === this.invalidations) {
      const { nonce, keys } = JSON.parse(message) as { nonce: string; keys: string[] };
      this.forget(Array.isArray(keys) ? keys : []);
      this.redis.publish(this.acknowledgements, nonce).catch(() => undefined);
    } else if (channel === this.acknowledgements) {
      const announcement = this.pending.get(message);
      if (announcement === undefined) return;
      announcement.acknowledged += 1;
      if (announcement.acknowledged >= announcement.receivers) announcement.done();
    } else if (channel === this.heartbeats) {
      const sequence = Number(message);
      const sentAt = this.heartbeatsSent.get(sequence);
      if (sentAt === undefined) return;
      for (const earlier of this.heartbeatsSent.keys())
        if (earlier <= sequence) this.heartbeatsSent.delete(earlier);
      const now = performance.now();
      // A lease regained after a gap starts empty: invalidations may have been missed.
      if (now >= this.leaseUntil) this.clear();
      this.leaseUntil = Math.max(this.leaseUntil, sentAt + this.leaseMs * LEASE_MARGIN);
    }
  }

  private heartbeat(): void {
    const sequence = (this.sequence += 1);
    this.heartbeatsSent.set(sequence, performance.now());
    // Heartbeats that never came back are dropped once they could no longer grant a lease.
    for (const [earlier, sentAt] of this.heartbeatsSent)
      if (performance.now() - sentAt > this.leaseMs) this.heartbeatsSent.delete(earlier);
    this.redis.publish(this.heartbeats, String(sequence)).catch(() => undefined);
  }

  private forget(keys: readonly string[]): void {
    this.generation += 1;
    for (const key of keys) this.entries.delete(key);
  }

  private loseLease(): void {
    this.leaseUntil = 0;
    this.clear();
  }

  private clear(): void {
    this.generation += 1;
    this.emptied += 1;
    this.entries.clear();
  }
}
