import { type ArgumentMetadata, HttpStatus, ValidationPipe } from '@nestjs/common';
import { type FieldError, ProblemException } from './problem';
import { validationProblem } from './validation';
import { memoiseValidationMetadata } from './validation-metadata-cache';

/** Names every plain object inherits; no DTO declares them, and class-transformer would drop them silently. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Every key shadowing Object.prototype, in document order. Iterative: the body
 * parser already bounds depth, and this walk must not be the one that recurses.
 */
function inheritedKeys(root: unknown): FieldError[] {
  const found: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (value === null || typeof value !== 'object') continue;
    const children: Array<{ value: unknown; path: string }> = [];
    for (const [key, member] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (!Array.isArray(value) && INHERITED.has(key)) {
        found.push({ field, message: `property ${key} should not exist` });
      }
      children.push({ value: member, path: field });
    }
    stack.push(...children.reverse());
  }
  return found;
}

/**
 * A body DTO on a hot route may declare `static acceptsExactly(value)`: a
 * cheap check that the value is valid as it stands (every field, no extra
 * key). Such a value is passed on as the plain object it is; anything it does
 * not accept takes the full class-validator path, so a refusal reads exactly
 * as before. Its property test proves it never accepts what class-validator
 * refuses.
 */
export interface AcceptsExactly {
  acceptsExactly(value: unknown): boolean;
}

function hasFastPath(metatype: unknown): metatype is AcceptsExactly {
  return typeof (metatype as Partial<AcceptsExactly> | undefined)?.acceptsExactly === 'function';
}

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted, transform) that
 * also refuses keys shadowing Object.prototype (`valueOf`, `toString`, ...):
 * forbidNonWhitelisted never sees them because class-transformer drops them.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      exceptionFactory: validationProblem,
    });
    memoiseValidationMetadata();
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && hasFastPath(metadata.metatype)) {
      if (metadata.metatype.acceptsExactly(value)) return value;
    }
    if (metadata.type === 'body' || metadata.type === 'query') {
      const errors = inheritedKeys(value);
      if (errors.length > 0) {
        throw new ProblemException(
          HttpStatus.BAD_REQUEST,
          `The request has invalid fields: ${errors.map((e) => e.field).join(', ')}.`,
          {
            type: 'validation-failed',
            errors,
          },
        );
      }
    }
    return super.transform(value, metadata);
  }
}
