import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { toProblem } from './to-problem';

/** The one place where errors become RFC 9457 problem documents. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

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
    void reply
      .status(problem.status)
      .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(problem.body));
  }
}
