import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ProblemException } from './problem';
import { toProblem } from './to-problem';

describe('toProblem', () => {
  it('keeps a ProblemException’s status, detail, type, fields and headers', () => {
    const problem = toProblem(
      new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'Slow down.', {
        type: 'rate-limited',
        headers: { 'retry-after': '7' },
        errors: [{ field: 'login', message: 'too many' }],
      }),
      '/api/v1/auth/login',
      'req-1',
    );
    expect(problem).toEqual({
      status: 429,
      body: {
        type: 'urn:warden:problem:rate-limited',
        title: 'Too Many Requests',
        status: 429,
        detail: 'Slow down.',
        instance: '/api/v1/auth/login',
        requestId: 'req-1',
        errors: [{ field: 'login', message: 'too many' }],
      },
      headers: { 'retry-after': '7' },
      isUnexpected: false,
    });
  });

  it('maps Nest exceptions and Fastify’s parser errors to clear client problems', () => {
    expect(toProblem(new NotFoundException('No such user.'), '/x').body).toMatchObject({
      status: 404,
      type: 'about:blank',
      detail: 'No such user.',
    });
    expect(
      toProblem(new HttpException('Unexpected end of JSON input', 400), '/x').body,
    ).toMatchObject({
      type: 'urn:warden:problem:malformed-request',
      detail: 'The request body is not valid JSON.',
    });
    const tooLong = Object.assign(new Error('URI Too Long'), { statusCode: 414 });
    expect(toProblem(tooLong, '/x').body).toMatchObject({ status: 414, title: 'URI Too Long' });
  });

  it('answers a unique violation with 409 and a lost dependency with 503 and Retry-After', () => {
    const duplicate = new UniqueConstraintViolationException(new Error('duplicate key'));
    expect(toProblem(duplicate, '/x')).toMatchObject({ status: 409, isUnexpected: false });
    const outage = toProblem(new Error('connect ECONNREFUSED 127.0.0.1:5432'), '/x');
    expect(outage).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
      isUnexpected: true,
    });
    expect(toProblem(new Error('timeout expired'), '/x').status).toBe(503);
    // pg-pool's word for a prepared read that found no free connection in time.
    expect(toProblem(new Error('timeout exceeded when trying to connect'), '/x').status).toBe(503);
  });

  it('hides anything else behind a 500 without its message, to be logged with its stack', () => {
    const problem = toProblem(new TypeError('secret internals at line 3'), '/x', 'req-9');
    expect(problem.status).toBe(500);
    expect(problem.isUnexpected).toBe(true);
    expect(JSON.stringify(problem.body)).not.toContain('secret internals');
    expect(problem.body.detail).toMatch(/Quote the request id/);
  });
});
