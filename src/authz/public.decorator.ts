import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'warden:isPublic';

/** @nestjs/swagger's metadata key for an operation's security requirements. */
const SWAGGER_SECURITY = 'swagger/apiSecurity';

/**
 * Opts a route out of authentication and the policy guard, and documents it
 * with `security: [{}]`, anonymous access (every other operation requires the bearer scheme).
 * Every use is a deliberate exception to "deny by default": say why next to it.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), SetMetadata(SWAGGER_SECURITY, [{}]));
