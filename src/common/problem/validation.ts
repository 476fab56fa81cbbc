import type { ValidationError } from 'class-validator';
import { HttpStatus } from '@nestjs/common';
import { type FieldError, ProblemException } from './problem';

/** Flattens class-validator's tree into `{ field: "a.b", message }` rows. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** The ValidationPipe's exceptionFactory: a 400 problem naming every failing field. */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const fieldErrors = flattenValidationErrors(errors);
  const fields = [...new Set(fieldErrors.map((error) => error.field))];
  return new ProblemException(
    HttpStatus.BAD_REQUEST,
    `The request has invalid fields: ${fields.join(', ')}.`,
    { type: 'validation-failed', errors: fieldErrors },
  );
}
