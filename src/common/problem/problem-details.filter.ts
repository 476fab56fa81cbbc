import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_FORMATS, type ErrorFormat, renderError } from './error-format';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { toProblem } from './to-problem';

/**
 * The one place where errors become answers: RFC 9457 problem documents, or
 * the format a path prefix registered (SCIM), with the same status and message.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    @Optional() @Inject(ERROR_FORMATS) private readonly formats: readonly ErrorFormat[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0] ?? request.url;
    const problem = toProblem(exception, path, request.id);

    if (problem.isUnexpected) {
      this.logger.error(
        { err: exception, requestId: request.id, status: problem.status },
        'Request failed',
      );
    }
    if (reply.sent) return;
    const answer = renderError(this.formats, path, problem, exception, PROBLEM_CONTENT_TYPE);
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}
