import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisMirror, type RedisMirrorOptions } from '../../src/infra/redis/redis-mirror';
import { redisOptionsFromUrl } from '../../src/infra/redis/redis-options';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * The mirror lets authorized requests skip Redis. What it may never do is
 * answer with a value that a finished write has changed: these run real
 * mirrors (two "instances") against the test Redis, one of them through a
 * proxy that can stall or drop its subscription.
 */
describe('RedisMirror', () => {
  const prefix = `warden-test-mirror-${process.pid}-${randomUUID().slice(0, 8)}`;
  const opened: Redis[] = [];
  const mirrors: RedisMirror[] = [];
  let proxy: TcpProxy;
  let raw: Redis;

  /** Clients as Warden opens them: commands fail fast while Redis is unreachable, subscriptions wait. */
  const client = (url = TEST_REDIS_URL, subscriber = false) => {
    const redis = new Redis({
      ...redisOptionsFromUrl(url),
      keyPrefix: `${prefix}:`,
      ...(subscriber ? {} : { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    });
    redis.on('error', () => undefined);
    opened.push(redis);
    return redis;
  };
  /** A mirror as an instance runs it; `subscribeVia` routes its subscription through the proxy. */
  const mirror = (options: Partial<RedisMirrorOptions> = {}, subscribeVia?: TcpProxy) => {
    const instance = new RedisMirror(
      client(),
      client(subscribeVia ? subscribeVia.rewrite(TEST_REDIS_URL) : TEST_REDIS_URL, true),
      { channelPrefix: prefix, ...options },
    );
    mirrors.push(instance);
    instance.start();
    return instance;
  };
  /** Waits until the mirror holds a lease (`holds`) or has lost it. */
  const leased = (instance: RedisMirror, holds = true, timeoutMs = 5_000) =>
    eventually(
      () => Promise.resolve(instance.leased),
      (value) => value === holds,
      timeoutMs,
    );

  beforeAll(async () => {
    proxy = await TcpProxy.forUrl(TEST_REDIS_URL).start();
    raw = client();
  });
  afterAll(async () => {
    for (const instance of mirrors) instance.stop();
    await raw.del(
      ...(await raw.keys(`${prefix}:*`)).map((key) => key.slice(prefix.length + 1)),
      'none',
    );
    for (const redis of opened) redis.disconnect();
    await proxy.stop();
  });

  it('answers from its own copy under a lease: a change made behind its back goes unseen', async () => {
    const a = mirror();
    await leased(a);
    await raw.set('k1', '1');
    expect(await a.read(['k1', 'missing'])).toEqual(['1', null]);
    await raw.set('k1', '2'); // not announced
    await raw.set('missing', 'now');
    expect(await a.read(['k1', 'missing'])).toEqual(['1', null]);
  });

  it('keeps what a cache fill stored, so a missing key read once is not missing forever', async () => {
    const a = mirror();
    await leased(a);
    expect(await a.read(['k7'])).toEqual([null]);
    expect(
      await a.fill('k7', async (redis) => {
        await redis.set('k7', 'filled');
        return 'filled';
      }),
    ).toBe('filled');
    await raw.del('k7'); // behind its back: the copy answers
    expect(await a.read(['k7'])).toEqual(['filled']);
  });

  it('a write on one instance returns only once the other has dropped its copy', async () => {
    // A lease far longer than the test's timeout: the write can only return on acknowledgements.
    const a = mirror({ leaseMs: 60_000 });
    const b = mirror({ leaseMs: 60_000 });
    await Promise.all([leased(a), leased(b)]);
    await raw.set('k2', '1');
    expect(await a.read(['k2'])).toEqual(['1']);
    expect(await b.read(['k2'])).toEqual(['1']);
    await b.write(['k2'], (redis) => redis.incr('k2'));
    expect(await a.read(['k2'])).toEqual(['2']);
    expect(await b.read(['k2'])).toEqual(['2']);
  }, 10_000);

  it('a stalled subscription loses its lease, and a write waits until it has', async () => {
    const options = { leaseMs: 800, heartbeatMs: 100 };
    const a = mirror(options, proxy);
    const b = mirror(options);
    await Promise.all([leased(a), leased(b)]);
    await raw.set('k3', '1');
    expect(await a.read(['k3'])).toEqual(['1']);

    proxy.freeze(); // A hears nothing more: neither the invalidation nor its heartbeats
    await b.write(['k3'], (redis) => redis.incr('k3'));
    expect(a.leased).toBe(false);
    expect(await a.read(['k3'])).toEqual(['2']);
    proxy.thaw();
  });

  it('a lease regained after a stall starts from an empty copy, in a new epoch', async () => {
    const options = { leaseMs: 800, heartbeatMs: 100 };
    const a = mirror(options, proxy);
    await leased(a);
    await raw.set('k4', '1');
    expect(await a.read(['k4'])).toEqual(['1']);
    const epoch = a.epoch;

    proxy.freeze();
    await leased(a, false, 5_000);
    await raw.set('k4', '2'); // changed while A could not have heard of it
    proxy.thaw();
    await leased(a);
    expect(await a.read(['k4'])).toEqual(['2']);
    expect(a.epoch).toBeGreaterThan(epoch);
  });

  it('a dropped subscription drops the copy at once and moves the epoch', async () => {
    const a = mirror({}, proxy);
    await leased(a);
    await raw.set('k5', '1');
    expect(await a.read(['k5'])).toEqual(['1']);
    const epoch = a.epoch;
    proxy.cut();
    await leased(a, false, 2_000);
    expect(a.epoch).toBeGreaterThan(epoch);
    await raw.set('k5', '2');
    proxy.restore();
    expect(await a.read(['k5'])).toEqual(['2']);
  });

  it('a write while Redis cannot be told waits out every lease', async () => {
    const options = { leaseMs: 600, heartbeatMs: 100 };
    const a = mirror(options);
    await leased(a);
    const unreachable = new RedisMirror(
      client(proxy.rewrite(TEST_REDIS_URL)),
      client(undefined, true),
      {
        channelPrefix: prefix,
        leaseMs: 600,
      },
    );
    proxy.cut();
    const started = performance.now();
    await unreachable
      .write(['k6'], () => Promise.reject(new Error('Redis is unreachable')))
      .catch(() => undefined);
    // Node's timers run on the event loop's millisecond clock: one may fire up to 1 ms early.
    expect(performance.now() - started).toBeGreaterThanOrEqual(599);
    proxy.restore();
    unreachable.stop();
  });
});
