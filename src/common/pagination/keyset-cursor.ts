import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../problem/problem';

/** The sort value of the last row of a page (null sorts as its own value), and its id as tie-breaker. */
export type CursorValue = string | null;

/** An opaque keyset cursor: the last row's sort value and id. */
export function encodeCursor(value: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/** Reads a cursor this API gave out; anything else is a 400 naming the field. */
export function decodeCursor(cursor: string): [CursorValue, string] {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(decoded[1])
    ) {
      const [value, id] = decoded as [unknown, string];
      if (value === null || typeof value === 'string') return [value, id];
    }
  } catch {
    // fall through to the problem below
  }
  throw invalidCursor();
}

/** The 400 for a cursor this API did not give out (or whose value no longer parses). */
export function invalidCursor(): ProblemException {
  return new ProblemException(
    HttpStatus.BAD_REQUEST,
    'The cursor is not valid; start again without it.',
    {
      type: 'validation-failed',
      errors: [{ field: 'cursor', message: 'is not a cursor this API gave out' }],
    },
  );
}

/** A cursor's sort value read as a time; a value that is not one is a 400, never a query error. */
export function cursorTime(value: CursorValue): Date {
  const time = new Date(value ?? '');
  if (Number.isNaN(time.getTime())) throw invalidCursor();
  return time;
}
