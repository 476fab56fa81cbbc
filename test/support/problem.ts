import type { Response } from 'supertest';

/** Asserts an RFC 9457 problem document with this status; returns its body. */
export function expectProblem(response: Response, status: number, detail?: RegExp | string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.body as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    title: expect.any(String),
    type: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.instance).toEqual(expect.stringMatching(/^\//));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // never a stack trace
  if (detail !== undefined) expect(body.detail).toMatch(detail);
  return body;
}
