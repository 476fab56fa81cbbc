import { type ArgumentMetadata, HttpStatus, ValidationPipe } from '@nestjs/common';
import { type FieldError, ProblemException } from './problem';
import { validationProblem } from './validation';

/** Names every plain object inherits; no DTO declares them, and class-transformer would drop them silently. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

function inheritedKeys(value: unknown, path: string, found: FieldError[]): FieldError[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => inheritedKeys(item, `${path}${path ? '.' : ''}${index}`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (INHERITED.has(key)) found.push({ field, message: `property ${key} should not exist` });
      inheritedKeys(member, field, found);
    }
  }
  return found;
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
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const errors = inheritedKeys(value, '', []);
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
