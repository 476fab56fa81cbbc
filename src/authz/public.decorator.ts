import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'warden:isPublic';

/**
 * Opts a route out of authentication and the policy guard. Every use is a
 * deliberate exception to "deny by default": say why next to it.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
