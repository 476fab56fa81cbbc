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

/** Messages for the errors Fastify raises before a route runs (parsing, limits). */
function fastifyDetail(error: FastifyLikeError): { detail: string; type?: ProblemType } {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { detail: 'The request body is larger than this endpoint accepts.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { detail: 'This content type is not supported; send application/json.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { detail: 'The body is empty although Content-Type says JSON.', type: 'malformed-request' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case undefined:
      if (error.statusCode === 400) {
        return { detail: 'The request body is not valid JSON.', type: 'malformed-request' };
      }
      return { detail: statusTitle(error.statusCode) };
    default:
      return { detail: error.message };
  }
}

/** Errors that mean PostgreSQL or Redis is out of reach right now. */
function isDependencyOutage(error: unknown): boolean {
  if (error instanceof ConnectionException || error instanceof LockWaitTimeoutException) return true;
  if (!(error instanceof Error)) return false;
  const name = error.name;
  const message = error.message;
  return (
    name === 'KnexTimeoutError' ||
    name === 'MaxRetriesPerRequestError' ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|enableOfflineQueue|Connection terminated/.test(
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
export function toProblem(exception: unknown, instance: string, requestId?: string): ProblemResponse {
  const build = (
    status: number,
    detail: string,
    extra: { type?: ProblemType; errors?: ProblemDocument['errors']; headers?: Record<string, string> } = {},
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
    return build(exception.getStatus(), httpExceptionDetail(exception));
  }
  if (exception instanceof UniqueConstraintViolationException) {
    return build(HttpStatus.CONFLICT, 'A resource with these values already exists.', {
      type: 'conflict',
    });
  }
  if (isFastifyClientError(exception)) {
    const { detail, type } = fastifyDetail(exception);
    return build(exception.statusCode, detail, { type });
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
