import { HttpException, HttpStatus } from '@nestjs/common';
import {
  ConnectionException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import {
  type ProblemDocument,
  ProblemException,
  type ProblemType,
  problemTypeUri,
  statusTitle,
} from './problem';

export interface ProblemResponse {
  status: number;
  body: ProblemDocument;
  headers: Record<string, string>;
  /** True when the error is not the client's fault and must be logged with its stack. */
  isUnexpected: boolean;
}

interface FastifyLikeError {
  statusCode: number;
  code?: string;
  message: string;
}

function isFastifyClientError(error: unknown): error is FastifyLikeError {
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Clear messages for what Fastify refuses before a route runs. Nest hands these
 * over as plain HttpExceptions carrying Fastify's message, so they are told
 * apart by status and message.
 */
function parserProblem(
  status: number,
  message: string,
): { detail: string; type?: ProblemType } | undefined {
  switch (status) {
    case 413:
      return { detail: 'The request body is larger than this endpoint accepts.' };
    case 414:
      return { detail: 'A part of the request URL is longer than this server accepts.' };
    case 415:
      return { detail: 'This content type is not supported; send application/json.' };
    case 400:
      if (/JSON|prototype property|constructor property/i.test(message)) {
        return {
          detail: /prototype|constructor/i.test(message)
            ? 'The request body contains a forbidden __proto__ or constructor property.'
            : 'The request body is not valid JSON.',
          type: 'malformed-request',
        };
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Errors that mean PostgreSQL or Redis is out of reach right now ("timeout
 * expired" is pg's word for a connection that did not open in time, "timeout
 * exceeded when trying to connect" pg-pool's for no free connection in time).
 */
function isDependencyOutage(error: unknown): boolean {
  if (error instanceof ConnectionException || error instanceof LockWaitTimeoutException)
    return true;
  if (!(error instanceof Error)) return false;
  const name = error.name;
  const message = error.message;
  return (
    name === 'KnexTimeoutError' ||
    name === 'MaxRetriesPerRequestError' ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|enableOfflineQueue|Connection terminated|timeout expired|timeout exceeded when trying to connect/.test(
      message,
    )
  );
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return statusTitle(exception.getStatus());
}

/** Maps any thrown value to the problem document the client receives. */
export function toProblem(
  exception: unknown,
  instance: string,
  requestId?: string,
): ProblemResponse {
  const build = (
    status: number,
    detail: string,
    extra: {
      type?: ProblemType;
      errors?: ProblemDocument['errors'];
      headers?: Record<string, string>;
    } = {},
    isUnexpected = false,
  ): ProblemResponse => ({
    status,
    body: {
      type: problemTypeUri(extra.type),
      title: statusTitle(status),
      status,
      detail,
      instance,
      ...(requestId === undefined ? {} : { requestId }),
      ...(extra.errors === undefined ? {} : { errors: extra.errors }),
    },
    headers: extra.headers ?? {},
    isUnexpected,
  });

  if (exception instanceof ProblemException) {
    return build(exception.getStatus(), exception.detail, exception.extras);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const detail = httpExceptionDetail(exception);
    const fromParser = parserProblem(status, detail);
    return fromParser
      ? build(status, fromParser.detail, { type: fromParser.type })
      : build(status, detail);
  }
  if (exception instanceof UniqueConstraintViolationException) {
    return build(HttpStatus.CONFLICT, 'A resource with these values already exists.', {
      type: 'conflict',
    });
  }
  if (isFastifyClientError(exception)) {
    const fromParser = parserProblem(exception.statusCode, exception.message);
    return build(exception.statusCode, fromParser?.detail ?? statusTitle(exception.statusCode), {
      type: fromParser?.type,
    });
  }
  if (isDependencyOutage(exception)) {
    return build(
      HttpStatus.SERVICE_UNAVAILABLE,
      'A service Warden depends on is unavailable. Try again shortly.',
      { type: 'dependency-unavailable', headers: { 'retry-after': '5' } },
      true,
    );
  }
  return build(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'An unexpected error occurred. Quote the request id when you report it.',
    { type: 'internal-error' },
    true,
  );
}
