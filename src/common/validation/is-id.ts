import { IsUUID, type ValidationOptions } from 'class-validator';

/**
 * An id in a request: any RFC 9562 UUID (versions 1-8, nil and max), not only
 * the v4 ids Warden generates. An id of another shape is a client's own value
 * (a stale reference, a placeholder) and answers "not found", not "invalid".
 */
export function IsId(options?: ValidationOptions): PropertyDecorator {
  return IsUUID('all', options);
}
