import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorFormat, renderError } from '../problem/error-format';
import { PROBLEM_CONTENT_TYPE } from '../problem/problem';
import { toProblem } from '../problem/to-problem';

/**
 * Errors Fastify answers before Nest sees the request (a malformed URL, a path
 * parameter past maxParamLength) become problem documents like every other
 * error (or the format a path prefix registered), instead of Fastify's own JSON.
 */
export function frameworkErrors(formats: readonly ErrorFormat[] = []) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const path = (request.raw.url ?? '/').split('?')[0] ?? '/';
    const problem = toProblem(error, path.slice(0, 2000), request.id);
    const answer = renderError(formats, path, problem, error, PROBLEM_CONTENT_TYPE);
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  };
}

function clientErrorStatus(code: string | undefined): number {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_URI_TOO_LONG':
      return 414;
    case undefined:
    default:
      return 400;
  }
}

const CLIENT_ERROR_DETAIL: Record<number, string> = {
  408: 'The request took too long to arrive.',
  414: 'The request URL is longer than this server accepts.',
  431: 'The request line and headers are larger than this server accepts (16 KiB).',
  400: 'The request is not valid HTTP.',
};

/**
 * What Node's HTTP parser refuses (headers or URL too large, broken HTTP,
 * timeouts) never reaches Fastify or Nest; this writes the same problem
 * document on the socket, then closes it, as Node itself would.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = clientErrorStatus(error.code);
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({
    type: 'about:blank',
    title,
    status,
    detail: CLIENT_ERROR_DETAIL[status] ?? CLIENT_ERROR_DETAIL[400],
    instance: '',
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
