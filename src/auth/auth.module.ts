import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { PoliciesGuard } from '../authz/policies.guard';
import { TenancyModule } from '../tenancy/tenancy.module';
import { MfaModule } from '../mfa/mfa.module';
import { MfaChallengeStore } from './mfa-challenge.store';
import { MfaSignInService } from './mfa-sign-in.service';
import { PasskeySignInService } from './passkey-sign-in.service';
import { DirectoryModule } from '../directory/directory.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { ApiKeyAuthenticator } from './api-key-authenticator.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { JwtStrategy } from './jwt.strategy';
import { LoginThrottle } from './login-throttle.service';
import { MeController } from './me.controller';
import { OnboardingService } from './onboarding.service';
import { PasswordModule } from '../directory/password/password.module';
import { PrincipalService } from './principal.service';
import { VerifiedTokenCache } from './verified-token-cache';
import { SignupController } from './signup.controller';
import { TokenService } from './token.service';

/**
 * Sign-in, tokens, sessions' front door and onboarding. Registers the two
 * global guards, in order: authenticate every request (unless @Public), then
 * check the route's policy.
 */
@Module({
  imports: [
    PassportModule,
    PasswordModule,
    UsersModule,
    SessionsModule,
    DirectoryModule,
    TenancyModule,
    MfaModule,
  ],
  controllers: [AuthController, MeController, SignupController],
  providers: [
    AuthService,
    TokenService,
    JwtStrategy,
    VerifiedTokenCache,
    PrincipalService,
    LoginThrottle,
    ApiKeyAuthenticator,
    OnboardingService,
    MfaChallengeStore,
    MfaSignInService,
    PasskeySignInService,
    AuthenticationGuard,
    PoliciesGuard,
    // Authentication first, then the route's permission; only the HTTP app has either.
    { provide: APP_GUARD, useExisting: AuthenticationGuard },
    { provide: APP_GUARD, useExisting: PoliciesGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
