import { Writable } from 'node:stream';
import { createRootLogger, NestPinoLogger } from './logger';

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
