import { Writable } from 'node:stream';
import { AccessLog, createRootLogger, NestPinoLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('the root logger and its Nest adapter', () => {
  it('redacts secrets at any of the first three levels', () => {
    const { lines, stream } = capture();
    createRootLogger('info', stream).info(
      { password: 'p1', user: { token: 't1', profile: { clientSecret: 's1' } }, kept: 'k' },
      'with secrets',
    );
    expect(JSON.stringify(lines)).not.toMatch(/p1|t1|s1/);
    expect(lines[0]).toMatchObject({ password: '[REDACTED]', kept: 'k' });
  });

  it('maps Nest calls: context, object fields, errors and the "message, stack" form', () => {
    const { lines, stream } = capture();
    const logger = new NestPinoLogger(createRootLogger('debug', stream));
    logger.log('started', 'Boot');
    logger.error({ requestId: 'r1', status: 500 }, 'Request failed', 'Errors');
    logger.error(new Error('broken'), 'Jobs');
    logger.error('crashed', 'Error: crashed\n    at somewhere (file.ts:1:1)', 'ExceptionHandler');
    logger.verbose('hidden', 'Boot');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Boot', msg: 'started' }),
      expect.objectContaining({
        level: 50,
        context: 'Errors',
        requestId: 'r1',
        status: 500,
        msg: 'Request failed',
      }),
      expect.objectContaining({
        level: 50,
        context: 'Jobs',
        err: expect.objectContaining({ message: 'broken' }),
      }),
      expect.objectContaining({
        level: 50,
        context: 'ExceptionHandler',
        err: expect.objectContaining({
          message: 'crashed',
          stack: expect.stringContaining('at somewhere'),
        }),
      }),
    ]);
  });
});

describe('the access log', () => {
  const entry = {
    id: 'r-1',
    method: 'GET',
    url: '/api/v1/users?q="quoted"\n\u2028\\',
    remoteAddress: '203.0.113.9',
    statusCode: 200,
    responseTime: 1.234,
  };

  it('writes the line pino writes for the same fields', () => {
    const built = capture();
    const log = new AccessLog('info', built.stream);
    log.write(entry);
    log.flush();
    const viaPino = capture();
    createRootLogger('info', viaPino.stream).info(
      {
        req: {
          id: entry.id,
          method: entry.method,
          url: entry.url,
          remoteAddress: entry.remoteAddress,
        },
        res: { statusCode: entry.statusCode },
        responseTime: entry.responseTime,
      },
      'request completed',
    );
    const [line] = built.lines;
    const [expected] = viaPino.lines;
    expect(line).toEqual({ ...expected, time: expect.any(Number) });
    expect(Object.keys(line ?? {})).toEqual(Object.keys(expected ?? {}));
    expect(Math.abs((line?.time as number) - Date.now())).toBeLessThan(5_000);
  });

  it('leaves out an unknown client address, and writes nothing above info', () => {
    const { lines, stream } = capture();
    const log = new AccessLog('info', stream);
    log.write({ ...entry, remoteAddress: null });
    log.flush();
    expect(lines[0]?.req).toEqual({ id: 'r-1', method: 'GET', url: entry.url });
    const quiet = capture();
    for (const level of ['warn', 'silent']) {
      const off = new AccessLog(level, quiet.stream);
      off.write(entry);
      off.flush();
    }
    expect(quiet.lines).toEqual([]);
  });

  it('hands the lines of one event loop turn to the destination in one write, at its end', async () => {
    const writes: string[] = [];
    const log = new AccessLog('info', { write: (chunk: string) => writes.push(chunk) });
    log.write({ ...entry, id: 'a' });
    log.write({ ...entry, id: 'b' });
    log.write({ ...entry, id: 'c' });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    const ids = (writes[0] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { req: { id: string } }).req.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    log.write({ ...entry, id: 'd' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });

  it('writes what is pending when the application shuts down', () => {
    const writes: string[] = [];
    const log = new AccessLog('info', { write: (chunk: string) => writes.push(chunk) });
    log.write(entry);
    log.onApplicationShutdown();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('"id":"r-1"');
  });
});
