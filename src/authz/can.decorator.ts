import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOperation, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Action, SubjectName } from './vocabulary';

const PROBLEM_CONTENT = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocumentDto' } },
};

export const REQUIRED_PERMISSION = 'warden:requiredPermission';

export interface RequiredPermission {
  action: Action;
  subject: SubjectName;
}

/**
 * The route's function-level permission, checked by the global PoliciesGuard
 * against the caller's ability before the handler runs. It passes when the
 * caller holds the permission on at least some objects (e.g. only their own);
 * services then check the object itself (AuthzService.assert).
 * Also documents the permission and the 401/403 answers in OpenAPI.
 */
export const Can = (action: Action, subject: SubjectName, summary?: string) =>
  applyDecorators(
    SetMetadata(REQUIRED_PERMISSION, { action, subject } satisfies RequiredPermission),
    ApiOperation({ summary, description: `Requires permission \`${action}\` on \`${subject}\`.` }),
    ApiUnauthorizedResponse({ description: 'No valid credentials.', content: PROBLEM_CONTENT }),
    ApiForbiddenResponse({
      description: `The caller may not ${action} ${subject}.`,
      content: PROBLEM_CONTENT,
    }),
  );

export const AUTHENTICATED_ONLY = 'warden:authenticatedOnly';

/** A route any signed-in caller may use on their own behalf (logout, /me); still requires a valid credential. */
export const Authenticated = (summary?: string) =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_ONLY, true),
    ApiOperation({ summary, description: 'Any authenticated caller, on their own behalf.' }),
    ApiUnauthorizedResponse({ description: 'No valid credentials.', content: PROBLEM_CONTENT }),
  );
