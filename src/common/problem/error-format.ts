import type { ProblemResponse } from './to-problem';

/**
 * Another wire format for the errors of the routes under a path prefix: the
 * status and message are decided once (toProblem), only the shape differs.
 * SCIM clients, for one, parse RFC 7644 Error documents, not problem documents.
 */
export interface ErrorFormat {
  readonly pathPrefix: string;
  render(
    problem: ProblemResponse,
    exception: unknown,
  ): { status: number; contentType: string; body: string };
}

/** Injection token of the ErrorFormat list the application registers (AppModule). */
export const ERROR_FORMATS = Symbol('ErrorFormats');

/** The error as the route under `path` expects it: its own format, or the problem document. */
export function renderError(
  formats: readonly ErrorFormat[],
  path: string,
  problem: ProblemResponse,
  exception: unknown,
  problemContentType: string,
): { status: number; headers: Record<string, string>; body: string } {
  const format = formats.find((candidate) => path.startsWith(candidate.pathPrefix));
  if (format === undefined) {
    return {
      status: problem.status,
      headers: { ...problem.headers, 'content-type': problemContentType },
      body: JSON.stringify(problem.body),
    };
  }
  const rendered = format.render(problem, exception);
  return {
    status: rendered.status,
    headers: { ...problem.headers, 'content-type': rendered.contentType },
    body: rendered.body,
  };
}
