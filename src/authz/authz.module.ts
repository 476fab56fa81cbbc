import { Global, Module } from '@nestjs/common';
import { AuthzService } from './authz.service';

/**
 * THE policy engine: the permission matrix (matrix.ts), CASL abilities built
 * from it, the policy guard and the object-level helpers every service uses.
 * Nothing outside this folder knows what a role may do.
 */
@Global()
@Module({
  providers: [AuthzService],
  exports: [AuthzService],
})
export class AuthzModule {}
