import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ProblemException } from '../problem/problem';
import { type JsonShapeLimits, jsonShapeViolation } from './json-shape';

/**
 * Replaces Fastify's JSON parser with the same parser (same __proto__ and
 * constructor refusal) followed by a bound on the body's depth and size, so no
 * recursive walk downstream ever sees a body that could exhaust its stack.
 */
export function registerBoundedJsonParser(
  fastify: FastifyInstance,
  limits: JsonShapeLimits,
  mediaTypes: readonly string[] = ['application/json'],
): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  for (const mediaType of mediaTypes) {
    if (fastify.hasContentTypeParser(mediaType)) fastify.removeContentTypeParser(mediaType);
    fastify.addContentTypeParser(mediaType, { parseAs: 'string' }, (request, body, done) => {
      void parseJson(request, body as string, (error, value) => {
        if (error) {
          done(error, undefined);
          return;
        }
        const violation = jsonShapeViolation(value, limits);
        if (violation === undefined) {
          done(null, value);
          return;
        }
        done(
          violation.kind === 'depth'
            ? new ProblemException(
                HttpStatus.BAD_REQUEST,
                `The request body is nested deeper than ${violation.limit} levels.`,
                { type: 'malformed-request' },
              )
            : new ProblemException(
                HttpStatus.PAYLOAD_TOO_LARGE,
                `The request body has more than ${violation.limit} members (object keys and array items).`,
                { type: 'malformed-request' },
              ),
          undefined,
        );
      });
    });
  }
}
