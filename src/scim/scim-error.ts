import { HttpException } from '@nestjs/common';
import type { ErrorFormat } from '../common/problem/error-format';
import { problemTypeUri } from '../common/problem/problem';

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
 * shape IdPs parse, scimType where RFC 7644 names one. Registered with the
 * application's error formats, so it also covers what fails before a SCIM
 * controller runs (malformed JSON, 413, 415).
 */
export const SCIM_ERROR_FORMAT: ErrorFormat = {
  pathPrefix: '/scim/v2',
  render(problem, exception) {
    // RFC 7644 has no 422: a value Warden's rules refuse is a 400 invalidValue.
    const status = problem.status === 422 ? 400 : problem.status;
    const body: ScimErrorBody = {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(status),
      ...scimTypeOf(exception, status, problem.body.type),
      detail: problem.body.detail ?? problem.body.title,
    };
    return { status, contentType: SCIM_CONTENT_TYPE, body: JSON.stringify(body) };
  },
};

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
