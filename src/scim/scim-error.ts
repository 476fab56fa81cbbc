import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemTypeUri } from '../common/problem/problem';
import { toProblem } from '../common/problem/to-problem';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` values RFC 7644 §3.12 defines for 400 and 409 errors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** RFC 7644: the HTTP status as a string ("404"); Okta's suite checks the type. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** An error a SCIM client must see with its RFC 7644 scimType. */
export class ScimError extends HttpException {
  constructor(
    status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail, status);
  }
}

export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const notFound = (what: string) => new ScimError(404, undefined, `${what} not found.`);

/**
 * Every error under /scim/v2 in the SCIM Error schema instead of a problem
 * document: the same statuses and messages (toProblem decides them), the
 * shape IdPs parse, scimType where RFC 7644 names one.
 */
@Catch()
export class ScimErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Scim');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, request.url.split('?')[0] ?? '', request.id);
    if (problem.isUnexpected) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    // RFC 7644 has no 422: a value Warden's rules refuse is a 400 invalidValue.
    const status = problem.status === 422 ? 400 : problem.status;
    const body: ScimErrorBody = {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(status),
      ...scimTypeOf(exception, status, problem.body.type),
      detail: problem.body.detail ?? problem.body.title,
    };
    void reply
      .status(status)
      .headers({ ...problem.headers, 'content-type': SCIM_CONTENT_TYPE })
      .send(JSON.stringify(body));
  }
}

function scimTypeOf(
  exception: unknown,
  status: number,
  problemType: string,
): { scimType?: ScimType } {
  if (exception instanceof ScimError) {
    return exception.scimType ? { scimType: exception.scimType } : {};
  }
  if (status === 400 && problemType === problemTypeUri('malformed-request'))
    return { scimType: 'invalidSyntax' };
  if (status === 400) return { scimType: 'invalidValue' };
  if (status === 413) return { scimType: 'tooMany' };
  return {};
}
