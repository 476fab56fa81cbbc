import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** One failing field of a request, as reported in a problem document's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, with Warden's `errors` and `requestId` extensions. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Problem types clients may branch on; everything else is `about:blank` with the HTTP title. */
export type ProblemType =
  | 'validation-failed'
  | 'malformed-request'
  | 'conflict'
  | 'rate-limited'
  | 'dependency-unavailable'
  | 'internal-error';

export function problemTypeUri(type: ProblemType | undefined): string {
  return type === undefined ? 'about:blank' : `urn:warden:problem:${type}`;
}

export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * An HTTP error that carries what a problem document needs beyond a message:
 * a problem type, failing fields and extra response headers (Retry-After).
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly detail: string,
    readonly extras: {
      type?: ProblemType;
      errors?: FieldError[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail, status);
  }
}
